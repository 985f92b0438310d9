// Initialises GOV.UK Frontend components. Load with
// <script type="module" src="{{ url_for('static', filename='js/application.mjs') }}"></script>.
// Pages must work without it. The import is relative: every static URL carries the
// release's fingerprint in its path (brokerage/static_files.py).
import { initAll } from '../govuk/govuk-frontend.min.js'

initAll()

// Initialises GOV.UK Frontend components. Load with
// <script type="module" src="/static/js/application.mjs"></script>.
// Pages must work without it.
import { initAll } from '/static/govuk/govuk-frontend.min.js'

initAll()

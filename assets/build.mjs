// Builds the service's front-end assets into static/ (run with `npm run build`).
//
//   assets/scss/application.scss  -> static/css/application.css  (Sass, compressed)
//   govuk-frontend.min.js(.map)   -> static/govuk/
//   images referenced by the CSS  -> static/govuk/assets/images/ (never fonts,
//                                    crown/crest, GOV.UK icons, favicons, manifest)
//   jsqr's jsQR.js and licence    -> static/vendor/jsqr/ (the door's QR reader where
//                                    the browser has no BarcodeDetector: iOS Safari, Firefox)
//
// Deterministic: the same inputs always give byte-identical outputs.
// static/govuk/ and static/vendor/ are recreated from scratch so stale files cannot
// linger. static/js/ and static/images/ are hand-written and are not touched.

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, posix, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const govukDist = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const staticDir = join(root, 'static')
const govukOut = join(staticDir, 'govuk')
const cssOut = join(staticDir, 'css', 'application.css')

// Must match $assets-path in assets/scss/_settings.scss.
const ASSETS_URL = '/static/govuk/assets/'

// GOV.UK branding and fonts this service must never ship.
const FORBIDDEN = [
  /^fonts\//,
  /crown/i,
  /crest/i,
  /govuk-logo/i,
  /govuk-icon/i,
  /opengraph/i,
  /favicon/i,
  /manifest\.json$/
]

const written = []
const rel = (p) => relative(root, p).split('\\').join('/')

function write (file, contents) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, contents)
  written.push(file)
}

function copy (from, to) {
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
  written.push(to)
}

function fail (message) {
  console.error(`build failed: ${message}`)
  process.exit(1)
}

// 1. Compile Sass ------------------------------------------------------------
const warnings = []
const result = sass.compile(join(root, 'assets', 'scss', 'application.scss'), {
  loadPaths: [join(root, 'node_modules')],
  style: 'compressed',
  sourceMap: false,
  // Hide deprecation warnings raised inside govuk-frontend (loaded via
  // loadPaths); warnings from our own Sass are still reported.
  quietDeps: true,
  logger: {
    warn (message, { deprecation, span }) {
      const where = span ? ` (${span.url ? fileURLToPath(span.url) : ''}:${span.start.line + 1})` : ''
      warnings.push(`${deprecation ? 'DEPRECATION ' : ''}WARNING: ${message}${where}`)
    }
  }
})
for (const w of warnings) console.warn(w)

const css = result.css.endsWith('\n') ? result.css : `${result.css}\n`

// Guard rails: no GOV.UK font in a non-GOV.UK service.
if (/GDS Transport/i.test(css)) fail('compiled CSS mentions "GDS Transport"')
if (/@font-face/i.test(css)) fail('compiled CSS contains @font-face')

// 2. Start static/govuk/ from scratch -----------------------------------------
rmSync(govukOut, { recursive: true, force: true })

write(cssOut, css)

// 3. Copy the assets the CSS actually references ------------------------------
const urls = [...new Set(
  [...css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)].map((m) => m[2])
)].sort()

for (const url of urls) {
  if (url.startsWith('data:')) continue
  if (!url.startsWith(ASSETS_URL)) fail(`unexpected url(${url}) in compiled CSS`)
  const assetPath = posix.normalize(url.slice(ASSETS_URL.length).split(/[?#]/)[0])
  if (assetPath.startsWith('..')) fail(`url(${url}) escapes the assets folder`)
  if (FORBIDDEN.some((re) => re.test(assetPath))) {
    fail(`compiled CSS references GOV.UK-only asset ${assetPath}`)
  }
  const from = join(govukDist, 'assets', assetPath)
  if (!existsSync(from)) fail(`url(${url}) has no matching file in govuk-frontend`)
  copy(from, join(govukOut, 'assets', assetPath))
}

// 4. Copy GOV.UK Frontend JavaScript -----------------------------------------
for (const name of ['govuk-frontend.min.js', 'govuk-frontend.min.js.map']) {
  const from = join(govukDist, name)
  if (existsSync(from)) {
    copy(from, join(govukOut, name))
  } else if (name.endsWith('.js')) {
    fail(`${rel(from)} not found (run npm install)`)
  }
}

// 5. The QR reader for browsers without BarcodeDetector --------------------------
// jsQR.js is a UMD build: loaded as a module it sets self.jsQR (static/js/check-in.js).
const vendorOut = join(staticDir, 'vendor')
rmSync(vendorOut, { recursive: true, force: true })
const jsqr = join(root, 'node_modules', 'jsqr')
if (!existsSync(join(jsqr, 'dist', 'jsQR.js'))) fail('node_modules/jsqr not found (run npm install)')
copy(join(jsqr, 'dist', 'jsQR.js'), join(vendorOut, 'jsqr', 'jsQR.js'))
copy(join(jsqr, 'LICENSE'), join(vendorOut, 'jsqr', 'LICENSE'))

// 6. Report -------------------------------------------------------------------
const version = JSON.parse(readFileSync(join(root, 'node_modules', 'govuk-frontend', 'package.json'), 'utf8')).version
const jsqrVersion = JSON.parse(readFileSync(join(jsqr, 'package.json'), 'utf8')).version
console.log(`govuk-frontend ${version}, sass ${sass.info.split('\t')[1] ?? sass.info}, jsqr ${jsqrVersion}`)
console.log(`CSS url() references: ${urls.length ? urls.join(', ') : 'none'}`)
console.log('Wrote:')
for (const file of written.sort()) {
  console.log(`  ${rel(file)} (${readFileSync(file).length} bytes)`)
}

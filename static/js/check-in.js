// The door on a phone. Loaded as a module by the door page (no inline script); without it
// the page works as plain forms.
// - Camera scanning: with BarcodeDetector where the browser has it, otherwise with jsQR
//   (../vendor/jsqr/, built from npm by assets/build.mjs, loaded only when needed: iOS
//   Safari and Firefox). A ticket's QR code fills the ticket code box and sends it.
// - Sending: each check-in is sent in the background with an id for the scan. When the
//   connection drops it is sent again (waiting longer each time, and at once when the
//   phone is back online) under "Waiting for the connection…"; the server gives a scan it
//   has already answered its first answer, so a guest is never admitted twice. The answer
//   and the arrivals count are then taken from the page the server answers with.
const form = document.querySelector('[data-check-in-form]')
const slot = form && form.querySelector('[data-camera]')
const input = form && form.querySelector('input[name="code"]')
const scanInput = form && form.querySelector('input[name="scan"]')
// Remembered for this tab, so the camera opens again after a page load.
const KEY = 'check-in-camera'
// The code just sent, and when: the ticket is often still in front of the camera when the
// answer comes back, and reading it again would hide "Admitted" behind "Already admitted".
const LAST = 'check-in-last-code'
const QUIET_MS = 15000
const FIRST_WAIT_MS = 1000
const LONGEST_WAIT_MS = 10000

function justSent (code) {
  try {
    const last = JSON.parse(window.sessionStorage.getItem(LAST) || 'null')
    return last && last.code === code && Date.now() - last.at < QUIET_MS
  } catch {
    return false
  }
}

function newScanId () {
  if (window.crypto?.randomUUID) return window.crypto.randomUUID()
  const bytes = window.crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

// A function that reads a QR code from the video, or null where there is no way to.
async function qrReader () {
  if (!navigator.mediaDevices?.getUserMedia) return null
  if ('BarcodeDetector' in window) {
    try {
      if ((await window.BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
        const detector = new window.BarcodeDetector({ formats: ['qr_code'] })
        return async (video) => (await detector.detect(video))[0]?.rawValue
      }
    } catch {
      // Fall through to jsQR.
    }
  }
  try {
    await import(new URL('../vendor/jsqr/jsQR.js', import.meta.url).href)
  } catch {
    return null
  }
  if (typeof window.jsQR !== 'function') return null
  const canvas = document.createElement('canvas')
  const context = canvas.getContext('2d', { willReadFrequently: true })
  return async (video) => {
    if (!video.videoWidth || !video.videoHeight) return null
    // A smaller frame reads as well and is far quicker on a phone.
    const scale = Math.min(1, 640 / video.videoWidth)
    canvas.width = Math.round(video.videoWidth * scale)
    canvas.height = Math.round(video.videoHeight * scale)
    context.drawImage(video, 0, 0, canvas.width, canvas.height)
    const image = context.getImageData(0, 0, canvas.width, canvas.height)
    return window.jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data
  }
}

function button (text, classes) {
  const element = document.createElement('button')
  element.type = 'button'
  element.className = `govuk-button ${classes}`
  element.textContent = text
  return element
}

// What is happening to the check-in being sent (read out by screen readers).
const sending = document.createElement('div')
sending.setAttribute('role', 'status')
sending.setAttribute('data-sending', '')
let busy = false
let scanner = null

function setSending (text, waiting = false) {
  sending.textContent = ''
  if (!text) return
  const p = document.createElement('p')
  p.className = waiting ? 'govuk-inset-text govuk-!-font-weight-bold' : 'govuk-body'
  p.textContent = text
  sending.append(p)
}

function pause (ms) {
  return new Promise((resolve) => {
    const done = () => {
      window.clearTimeout(timer)
      window.removeEventListener('online', done)
      resolve()
    }
    const timer = window.setTimeout(done, ms)
    window.addEventListener('online', done)
  })
}

// Put the answer, the arrivals and the code box from the server's page in place.
function show (html) {
  const page = new window.DOMParser().parseFromString(html, 'text/html')
  for (const selector of ['[data-door-answer]', '[data-arrivals]']) {
    const fresh = page.querySelector(selector)
    const here = document.querySelector(selector)
    if (fresh && here) here.replaceWith(fresh)
  }
  const freshGroup = page.querySelector('[data-check-in-form] input[name="code"]')?.closest('.govuk-form-group')
  const group = input.closest('.govuk-form-group')
  if (freshGroup && group) {
    group.className = freshGroup.className
    for (const old of group.querySelectorAll('.govuk-error-message')) old.remove()
    const error = freshGroup.querySelector('.govuk-error-message')
    if (error) input.before(error)
    input.className = freshGroup.querySelector('input[name="code"]').className
  }
}

async function send () {
  if (busy) return
  busy = true
  scanInput.value = newScanId()
  const body = new FormData(form)
  let wait = FIRST_WAIT_MS
  setSending('Checking the ticket…')
  for (;;) {
    let response = null
    try {
      response = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin' })
    } catch {
      // No connection: wait and send the same scan again.
    }
    if (response && (response.ok || response.status === 400)) {
      show(await response.text())
      setSending('')
      break
    }
    if (response && response.status < 500 && response.status !== 429) {
      setSending(`The check-in was refused (error ${response.status}). Reload the page and scan again.`, true)
      break
    }
    setSending('Waiting for the connection… The scan will be sent as soon as the phone is back online. Do not admit the guest yet.', true)
    await pause(wait)
    wait = Math.min(wait * 2, LONGEST_WAIT_MS)
  }
  input.value = ''
  scanInput.value = ''
  busy = false
  input.focus({ preventScroll: true })
  document.getElementById('door-answer')?.scrollIntoView({ block: 'nearest' })
  if (scanner) scanner.resume()
}

function setUpCamera (read) {
  const start = button('Scan with camera', 'govuk-button--secondary')
  const stop = button('Stop the camera', 'govuk-button--secondary')
  const video = document.createElement('video')
  const status = document.createElement('p')
  video.className = 'govuk-!-width-full govuk-!-margin-bottom-4'
  video.muted = true
  video.playsInline = true
  video.setAttribute('aria-label', 'What the camera sees')
  status.className = 'govuk-body'
  status.setAttribute('role', 'status')
  stop.hidden = true
  video.hidden = true
  slot.append(start, video, stop, status)

  let stream = null
  let looking = false

  function close () {
    looking = false
    if (stream) stream.getTracks().forEach((track) => track.stop())
    stream = null
    video.hidden = true
    stop.hidden = true
    start.hidden = false
  }

  async function look () {
    if (!looking) return
    try {
      const code = await read(video)
      if (code && !justSent(code) && !busy) {
        looking = false
        window.sessionStorage.setItem(LAST, JSON.stringify({ code, at: Date.now() }))
        input.value = code
        status.textContent = 'Code read: checking it'
        send()
        return
      }
    } catch {
      // A frame that is not ready yet: try the next one.
    }
    window.setTimeout(look, 200)
  }

  async function open () {
    status.textContent = 'Opening the camera…'
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: 'environment' },
        audio: false
      })
    } catch {
      window.sessionStorage.removeItem(KEY)
      status.textContent = 'The camera could not be opened. Type the code, or find the guest by name.'
      return
    }
    video.srcObject = stream
    video.hidden = false
    stop.hidden = false
    start.hidden = true
    await video.play()
    status.textContent = 'Point the camera at the QR code on the ticket.'
    window.sessionStorage.setItem(KEY, 'on')
    looking = true
    look()
  }

  start.addEventListener('click', open)
  stop.addEventListener('click', () => {
    window.sessionStorage.removeItem(KEY)
    close()
    status.textContent = 'The camera is off.'
  })
  window.addEventListener('pagehide', close)
  if (window.sessionStorage.getItem(KEY) === 'on') open()
  return {
    resume () {
      if (stream && !looking) {
        status.textContent = 'Point the camera at the QR code on the ticket.'
        looking = true
        look()
      }
    }
  }
}

if (form && input && scanInput && window.fetch) {
  form.append(sending)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    send()
  })
}
// After an answer the page does not autofocus the box (that would scroll the answer away
// on a phone): focus it here without scrolling, ready for a scanner that types the code.
if (input && document.getElementById('door-answer')) input.focus({ preventScroll: true })
if (form && slot && input && scanInput) {
  const read = await qrReader()
  if (read) scanner = setUpCamera(read)
}

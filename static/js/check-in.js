// The door's camera scanner: where the browser can read QR codes (BarcodeDetector) and
// has a camera, a "Scan with camera" button opens it; a ticket's QR code fills the
// ticket code box and sends the form. Anywhere else nothing changes: the code is typed,
// or the guest found by name. Loaded as a module by the door page (no inline script).
const form = document.querySelector('[data-check-in-form]')
const slot = form && form.querySelector('[data-camera]')
const input = form && form.querySelector('input[name="code"]')
// Remembered for this tab, so the camera opens again for the next guest after each answer.
const KEY = 'check-in-camera'
// The code just sent, and when: the ticket is often still in front of the camera when the
// answer comes back, and reading it again would hide "Admitted" behind "Already admitted".
const LAST = 'check-in-last-code'
const QUIET_MS = 15000

function justSent (code) {
  try {
    const last = JSON.parse(window.sessionStorage.getItem(LAST) || 'null')
    return last && last.code === code && Date.now() - last.at < QUIET_MS
  } catch {
    return false
  }
}

async function canScan () {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) return false
  try {
    return (await window.BarcodeDetector.getSupportedFormats()).includes('qr_code')
  } catch {
    return false
  }
}

function button (text, classes) {
  const element = document.createElement('button')
  element.type = 'button'
  element.className = `govuk-button ${classes}`
  element.textContent = text
  return element
}

function setUp () {
  const detector = new window.BarcodeDetector({ formats: ['qr_code'] })
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
      const [code] = await detector.detect(video)
      if (code && code.rawValue && !justSent(code.rawValue)) {
        close()
        window.sessionStorage.setItem(LAST, JSON.stringify({ code: code.rawValue, at: Date.now() }))
        input.value = code.rawValue
        status.textContent = 'Code read: checking it'
        form.requestSubmit()
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
}

// After an answer the page does not autofocus the box (that would scroll the answer away
// on a phone): focus it here without scrolling, ready for a scanner that types the code.
if (input && document.getElementById('door-answer')) input.focus({ preventScroll: true })
if (form && slot && input && (await canScan())) setUp()

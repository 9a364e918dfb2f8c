// Upload enhancements for /documents: drop files anywhere on the form, and send each file on its own
// request to /api/documents with a progress bar, so one large or refused file does not hold up the rest.
// Without JavaScript the form is a plain multipart post of all the chosen files.
document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('upload-form')
  if (!form) return
  const input = form.querySelector('input[type=file]')
  const list = document.getElementById('upload-list')
  const maxBytes = Number(form.dataset.maxBytes)

  for (const type of ['dragenter', 'dragover']) {
    form.addEventListener(type, (event) => {
      event.preventDefault()
      form.classList.add('dragging')
    })
  }
  form.addEventListener('dragleave', () => form.classList.remove('dragging'))
  form.addEventListener('drop', (event) => {
    event.preventDefault()
    form.classList.remove('dragging')
    if (event.dataTransfer?.files.length) input.files = event.dataTransfer.files
  })

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const files = [...input.files]
    if (!files.length) return
    const button = form.querySelector('button[type=submit]')
    button.disabled = true
    const results = await Promise.all(files.map((file) => send(file, row(file))))
    button.disabled = false
    input.value = ''
    if (results.some(Boolean)) refreshRows()
  })

  /** One list item per file: its name, a progress bar and what happened. */
  function row(file) {
    const item = document.createElement('li')
    const name = document.createElement('span')
    name.textContent = `${file.name} `
    const bar = document.createElement('progress')
    bar.max = 1
    bar.value = 0
    const status = document.createElement('span')
    status.className = 'muted'
    status.textContent = ' waiting…'
    item.append(name, bar, status)
    list.append(item)
    return { item, bar, status }
  }

  /** Resolves true when the server accepted the file (202). */
  function send(file, view) {
    if (file.size > maxBytes) {
      fail(view, `${file.name} is larger than this server accepts for a document.`)
      return Promise.resolve(false)
    }
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', '/api/documents')
      xhr.setRequestHeader('Accept', 'application/json')
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) view.bar.value = event.loaded / event.total
        view.status.textContent = ' uploading…'
      })
      xhr.addEventListener('load', () => {
        let body = {}
        try {
          body = JSON.parse(xhr.responseText)
        } catch {
          // not JSON: a proxy's error page
        }
        if (xhr.status === 202 && body.id) {
          view.bar.value = 1
          view.status.textContent = ' '
          const link = document.createElement('a')
          link.href = `/documents/${body.id}`
          link.textContent = `${body.title}: uploaded, processing`
          view.status.append(link)
          resolve(true)
        } else {
          fail(view, body.error?.message ?? `The upload failed (HTTP ${xhr.status}).`)
          resolve(false)
        }
      })
      xhr.addEventListener('error', () => {
        fail(view, 'The upload was interrupted: check the connection and try again.')
        resolve(false)
      })
      const data = new FormData()
      data.append('file', file)
      xhr.send(data)
    })
  }

  function fail(view, message) {
    view.bar.remove()
    view.status.className = 'form-error'
    view.status.textContent = message
  }

  /** The document list again (the page's own rows fragment), so new uploads appear. */
  async function refreshRows() {
    const res = await fetch(location.pathname + location.search, { headers: { 'HX-Request': 'true' } })
    const rows = document.getElementById('document-rows')
    if (res.ok && rows) rows.outerHTML = await res.text()
  }
})

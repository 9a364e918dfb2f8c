// Drafts: a form marked data-draft-key posts itself to /drafts a second after the last keystroke,
// so an unsaved form survives a crash or a closed tab; the page offers it back (server-rendered).
// Listening on the document covers forms that htmx swaps in later (the review screen).
;(() => {
  const DELAY_MS = 1000
  const timers = new WeakMap()
  const submitted = new WeakSet()

  async function save(form) {
    if (submitted.has(form)) return
    const body = new URLSearchParams()
    for (const [name, value] of new FormData(form)) if (typeof value === 'string') body.append(name, value)
    body.set('draft_key', form.dataset.draftKey)
    if (form.dataset.draftBase) body.set('draft_base_version', form.dataset.draftBase)
    const status = form.querySelector('[data-draft-status]')
    try {
      const res = await fetch('/drafts', { method: 'POST', body, headers: { 'HX-Request': 'true' } })
      if (window.showTriggeredToast) window.showTriggeredToast(res.headers.get('HX-Trigger'))
      if (!status) return
      if (res.ok) {
        const fragment = document.createElement('template')
        fragment.innerHTML = await res.text()
        status.textContent = fragment.content.textContent.trim()
      } else {
        status.textContent = `Draft not saved (${res.status === 413 ? 'too long' : `error ${res.status}`}).`
      }
    } catch {
      if (status) status.textContent = 'Draft not saved: the server cannot be reached.'
    }
  }

  function saveSoon(event) {
    const form = event.target.closest?.('form[data-draft-key]')
    if (!form) return
    clearTimeout(timers.get(form))
    timers.set(
      form,
      setTimeout(() => save(form), DELAY_MS),
    )
  }
  document.addEventListener('input', saveSoon)
  // Selects and checkboxes fire change without input in some browsers.
  document.addEventListener('change', saveSoon)
  // Saving the form itself forgets the draft on the server: no late keystroke may bring it back.
  document.addEventListener(
    'submit',
    (event) => {
      const form = event.target.closest?.('form[data-draft-key]')
      // A button that only reshapes the form through htmx ("Add a parameter row") saves nothing.
      if (!form || event.submitter?.hasAttribute('hx-post')) return
      clearTimeout(timers.get(form))
      submitted.add(form)
    },
    true,
  )
})()

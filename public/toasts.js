// The one toast renderer. A toast says what an action did: htmx raises the `toast` event from an
// answer's HX-Trigger header ({"toast": {kind, message, reference?, link?, undo?}}), the live
// notifications stream and the drafts script call showToast directly. Toasts go into the page's live
// regions: #toasts (role=status, polite) or, for errors, #toast-alerts (role=alert, assertive).
// Each can be dismissed (its button, or Escape while focused), and hides itself after a while,
// but never while the pointer is over it or the keyboard is in it.
;(() => {
  const HIDE_AFTER_MS = { success: 6000, info: 8000, error: 15000 }

  function show(toast) {
    if (!toast || typeof toast.message !== 'string') return
    const kind = ['success', 'error', 'info'].includes(toast.kind) ? toast.kind : 'info'
    const region = document.getElementById(kind === 'error' ? 'toast-alerts' : 'toasts')
    if (!region) return
    const el = document.createElement('div')
    el.className = `toast toast-${kind}`
    el.dataset.kind = kind
    const message = document.createElement('p')
    message.className = 'toast-message'
    message.textContent = toast.message
    el.append(message)
    const actions = document.createElement('div')
    actions.className = 'toast-actions'
    if (typeof toast.reference === 'string' && toast.reference) {
      const details = document.createElement('a')
      details.href = `/errors/${encodeURIComponent(toast.reference)}`
      details.textContent = `Reference ${toast.reference}: details`
      actions.append(details)
    }
    if (toast.link && typeof toast.link.href === 'string' && toast.link.href.startsWith('/')) {
      const link = document.createElement('a')
      link.href = toast.link.href
      link.textContent = toast.link.label || 'Open'
      actions.append(link)
    }
    if (toast.undo && typeof toast.undo.url === 'string' && toast.undo.url.startsWith('/')) {
      // A plain form: undo works as any other post, and its page says what it did.
      const form = document.createElement('form')
      form.method = 'post'
      form.action = toast.undo.url
      const button = document.createElement('button')
      button.type = 'submit'
      button.textContent = toast.undo.label || 'Undo'
      form.append(button)
      actions.append(form)
    }
    const close = document.createElement('button')
    close.type = 'button'
    close.className = 'toast-close'
    close.setAttribute('aria-label', 'Dismiss')
    close.textContent = '×'
    close.addEventListener('click', () => el.remove())
    actions.append(close)
    el.append(actions)

    let timer
    let hovered = false
    let focused = false
    const arm = () => {
      clearTimeout(timer)
      if (!hovered && !focused) timer = setTimeout(() => el.remove(), HIDE_AFTER_MS[kind])
    }
    el.addEventListener('mouseenter', () => {
      hovered = true
      arm()
    })
    el.addEventListener('mouseleave', () => {
      hovered = false
      arm()
    })
    el.addEventListener('focusin', () => {
      focused = true
      arm()
    })
    el.addEventListener('focusout', (event) => {
      focused = el.contains(event.relatedTarget)
      arm()
    })
    el.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') el.remove()
    })
    region.append(el)
    arm()
  }

  /** The toast of a response's HX-Trigger header, for requests made without htmx (fetch). */
  function showTriggered(header) {
    if (header?.[0] !== '{') return
    try {
      show(JSON.parse(header).toast)
    } catch {}
  }

  window.showToast = show
  window.showTriggeredToast = showTriggered
  // htmx 4 raises HX-Trigger events on the requesting element, or on the document once it left the page.
  document.addEventListener('toast', (event) => show(event.detail))
})()

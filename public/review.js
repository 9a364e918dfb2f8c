// The review screen's keyboard extras (the single keys themselves are data-hotkey buttons, see app.js):
// the reject and request-changes panels (digits toggle reasons, Enter confirms, Esc cancels), and
// prefetching the next conversation so "next" shows it at once.
;(() => {
  const openPanel = () => document.querySelector('#review-screen [data-modal][open]')

  // Opening a panel closes the other one and puts the keyboard in it.
  document.addEventListener(
    'toggle',
    (event) => {
      const panel = event.target
      if (!(panel instanceof HTMLDetailsElement) || !panel.hasAttribute('data-modal')) return
      if (panel.open) {
        for (const other of document.querySelectorAll('[data-modal][open]')) if (other !== panel) other.open = false
        panel.querySelector('[data-autofocus]')?.focus()
      } else if (panel.contains(document.activeElement)) {
        document.activeElement.blur()
      }
    },
    true,
  )

  document.addEventListener('keydown', (event) => {
    const panel = openPanel()
    const typing = event.target instanceof HTMLElement && event.target.matches('input[type=text], input[type=number], textarea, select')
    // "?" is Shift+/ on some layouts and a key of its own on others: match the character, not the key code.
    if (event.key === '?' && !panel && !typing) {
      event.preventDefault()
      document.querySelector('#review-screen [data-key="?"]')?.click()
      return
    }
    if (!panel) return
    if (event.key === 'Escape') {
      event.preventDefault()
      panel.open = false
      return
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return
    if (/^[1-9]$/.test(event.key)) {
      const box = panel.querySelector(`input[data-digit="${event.key}"]`)
      if (box) {
        event.preventDefault()
        box.checked = !box.checked
      }
    } else if (event.key === 'Enter') {
      event.preventDefault()
      panel.querySelector('form')?.requestSubmit()
    }
  })

  // Prefetch: the next screen's fragment is fetched as soon as this one shows, and handed to htmx
  // when the reviewer goes next (within a minute; after that it may be stale, so it is fetched anew).
  let prefetched
  const prefetchNext = () => {
    const link = document.querySelector('#review-screen a[data-prefetch]')
    const url = link?.getAttribute('hx-get')
    if (!url || prefetched?.url === url) return
    const response = fetch(url, { headers: { 'HX-Request': 'true', 'HX-Request-Type': 'partial' }, credentials: 'same-origin' })
    response.catch(() => {
      if (prefetched?.response === response) prefetched = undefined
    })
    prefetched = { url, response, at: Date.now() }
  }
  document.addEventListener('htmx:before:request', (event) => {
    const ctx = event.detail?.ctx
    if (!ctx || !prefetched || ctx.request.method !== 'GET') return
    const { url, response, at } = prefetched
    prefetched = undefined
    if (ctx.request.action === url && Date.now() - at < 60_000) ctx.fetch = () => response
  })
  document.addEventListener('htmx:after:swap', prefetchNext)
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', prefetchNext)
  else prefetchNext()
})()

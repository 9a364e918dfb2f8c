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
  const FRESH_MS = 60_000
  let prefetched
  const prefetchNext = () => {
    const link = document.querySelector('#review-screen a[data-prefetch]')
    const url = link?.getAttribute('hx-get')
    if (!url || prefetched?.url === url) return
    const response = fetch(url, { headers: { 'HX-Request': 'true', 'HX-Request-Type': 'partial' }, credentials: 'same-origin' })
    const entry = { url, id: new URL(url, location.href).pathname.split('/').pop(), response, at: Date.now() }
    response
      .then(
        (r) => (r.ok ? r.clone().text() : undefined),
        () => undefined,
      )
      .then((html) => {
        if (html === undefined && prefetched === entry) prefetched = undefined
        else entry.html = html
      })
    prefetched = entry
  }

  // The review screen's posts (decisions, undo, claims) go one after another: with the next screen
  // shown before a decision is answered, an undo pressed at once must reach the server after it.
  let answered = Promise.resolve()
  document.addEventListener('htmx:before:request', (event) => {
    const ctx = event.detail?.ctx
    if (ctx?.request.method !== 'POST' || !ctx.request.action.startsWith('/review/')) return
    const send = ctx.fetch
    const previous = answered
    ctx.fetch = (url, init) => {
      const sent = previous.then(() => send(url, init))
      answered = sent.then(
        () => undefined,
        () => undefined,
      )
      return sent
    }
  })

  document.addEventListener('htmx:before:request', (event) => {
    const ctx = event.detail?.ctx
    if (!ctx || !prefetched) return
    if (Date.now() - prefetched.at >= FRESH_MS) {
      prefetched = undefined
      return
    }
    const { url, response, html, id } = prefetched
    if (ctx.request.method === 'GET') {
      prefetched = undefined
      if (ctx.request.action === url) ctx.fetch = () => response
      return
    }
    // A decision on this screen shows the next one at once, when it is here already: the key is
    // answered in a frame, not a round trip. The server is told (Review-Shown) and answers with what
    // the decision changed (ReviewScreenUpdates); refusing it, with the decided conversation again
    // and the reason, swapped in over the next one (see htmx:before:response).
    if (html === undefined || !/^\/review\/[0-9a-f-]{36}(\?|$)/.test(ctx.request.action)) return
    prefetched = undefined
    ctx.request.headers['Review-Shown'] = id
    ctx.shownAhead = true
    htmx.swap({ text: html, target: document.getElementById('review-screen'), swap: 'outerHTML settle:0', push: url, sourceElement: document.body })
  })
  // The screen the decision came from is gone by the time its answer arrives: the answer goes to
  // the screen shown now, and its toast is raised there.
  document.addEventListener('htmx:before:response', (event) => {
    const ctx = event.detail?.ctx
    if (!ctx?.shownAhead) return
    ctx.target = document.getElementById('review-screen')
    ctx.sourceElement = ctx.target
  })
  document.addEventListener('htmx:after:swap', prefetchNext)
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', prefetchNext)
  else prefetchNext()
})()

// The chunk browser's keys: j/k move between chunk cards, Enter opens the current one in the
// detail panel, x ticks it for "Generate from selected chunks". hotkeys-js leaves keys typed into
// the search box and the filters alone.
;(() => {
  const cards = () => [...document.querySelectorAll('[data-chunk-card]')]
  const current = () => document.querySelector('[data-chunk-card][aria-current="true"]')

  const moveTo = (card) => {
    if (!card) return
    current()?.removeAttribute('aria-current')
    card.setAttribute('aria-current', 'true')
    card.focus({ preventScroll: true })
    card.scrollIntoView({ block: 'nearest' })
  }

  const step = (by) => {
    const list = cards()
    if (list.length === 0) return
    const at = list.indexOf(current())
    moveTo(list[at === -1 ? 0 : Math.min(list.length - 1, Math.max(0, at + by))])
  }

  const start = () => {
    if (!window.hotkeys) return
    window.hotkeys('j', (event) => {
      event.preventDefault()
      step(1)
    })
    window.hotkeys('k', (event) => {
      event.preventDefault()
      step(-1)
    })
    window.hotkeys('enter', (event) => {
      const card = current()
      if (!card) return
      event.preventDefault()
      card.querySelector('[data-open]')?.click()
    })
    window.hotkeys('x', (event) => {
      const box = current()?.querySelector('input[type=checkbox]')
      if (!box) return
      event.preventDefault()
      box.checked = !box.checked
      box.dispatchEvent(new Event('change', { bubbles: true }))
    })
  }

  // A click on a card makes it the current one, so the keys carry on from there.
  document.addEventListener('click', (event) => {
    const card = event.target instanceof Element && event.target.closest('[data-chunk-card]')
    if (card && card !== current()) moveTo(card)
  })

  // The selection's count on the generate button, so what it will send is visible.
  document.addEventListener('change', (event) => {
    if (!(event.target instanceof HTMLInputElement) || event.target.form?.id !== 'selection') return
    const count = document.querySelectorAll('input[form="selection"]:checked').length
    const button = document.querySelector('[data-generate]')
    if (button) button.textContent = count ? `Generate from selected chunks (${count})` : 'Generate from selected chunks'
  })

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()

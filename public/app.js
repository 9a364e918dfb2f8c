// Keyboard bindings: hotkeys-js presses the buttons that carry data-hotkey, so a key and a click
// take the same path. hotkeys-js ignores keys typed into inputs, selects and textareas by default.
// Keys are bound again after htmx swaps in new content, and an open panel marked data-modal (the
// review screen's reject reasons) keeps the other keys off until it is closed.
document.addEventListener('DOMContentLoaded', () => {
  // A user who turned keyboard shortcuts off in Preferences gets none.
  if (!window.hotkeys || document.documentElement.dataset.shortcuts === 'off') return
  const bound = new Set()
  const bind = () => {
    for (const el of document.querySelectorAll('[data-hotkey]')) {
      const key = el.dataset.hotkey
      if (bound.has(key)) continue
      bound.add(key)
      window.hotkeys(key, (event) => {
        if (document.querySelector('[data-modal][open]')) return
        const target = document.querySelector(`[data-hotkey="${key}"]:not([disabled])`)
        if (!target) return
        event.preventDefault()
        target.click()
      })
    }
  }
  bind()
  document.addEventListener('htmx:after:swap', bind)
})

// Copy buttons (data-copy names the field to copy): shown only where this script runs; without it
// the field itself is selectable. The clipboard API needs a secure context; elsewhere the field is
// selected and copied the old way.
document.addEventListener('DOMContentLoaded', () => {
  for (const button of document.querySelectorAll('button[data-copy]')) button.hidden = false
})
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('button[data-copy]') : null
  const field = button && document.getElementById(button.dataset.copy)
  if (!field) return
  field.select()
  try {
    await navigator.clipboard.writeText(field.value)
  } catch {
    document.execCommand('copy')
  }
  button.textContent = 'Copied'
  setTimeout(() => {
    button.textContent = 'Copy'
  }, 2000)
})

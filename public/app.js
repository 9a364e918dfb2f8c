// Keyboard bindings: hotkeys-js presses the buttons that carry data-hotkey, so a key and a click
// take the same path. hotkeys-js ignores keys typed into inputs, selects and textareas by default.
document.addEventListener('DOMContentLoaded', () => {
  if (!window.hotkeys) return
  const keys = new Set([...document.querySelectorAll('[data-hotkey]')].map((el) => el.dataset.hotkey))
  for (const key of keys) {
    window.hotkeys(key, (event) => {
      const target = document.querySelector(`[data-hotkey="${key}"]:not([disabled])`)
      if (!target) return
      event.preventDefault()
      target.click()
    })
  }
})

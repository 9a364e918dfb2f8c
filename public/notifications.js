// The page's one live stream (/notifications/stream): a new notification updates the unread count
// in the header and shows a toast (announced to screen readers); with the browser's permission and
// the user's preference, it also shows as a system notification. The browser reconnects by itself
// after a restart; an `end` event (signed out, too many tabs) stops it.
document.addEventListener('DOMContentLoaded', () => {
  const toasts = document.getElementById('toasts')
  const count = document.getElementById('unread-count')
  if (!toasts || !count || !window.EventSource) return
  const wantsBrowser = toasts.dataset.browserNotify === 'on' && 'Notification' in window
  if (wantsBrowser && Notification.permission === 'default') Notification.requestPermission()
  const source = new EventSource('/notifications/stream')
  source.addEventListener('notification', (event) => {
    const { unread, latest } = JSON.parse(event.data)
    count.textContent = String(unread)
    count.classList.toggle('none', unread === 0)
    if (!latest) return
    const toast = document.createElement('a')
    toast.className = 'toast'
    toast.href = latest.link
    toast.textContent = latest.message
    toasts.append(toast)
    setTimeout(() => toast.remove(), 10_000)
    if (wantsBrowser && Notification.permission === 'granted') new Notification('Train Data', { body: latest.message })
  })
  source.addEventListener('end', () => source.close())
})

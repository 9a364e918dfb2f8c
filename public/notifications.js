// The page's one live stream (/notifications/stream): a new notification updates the unread count
// in the header and shows a toast (public/toasts.js, announced to screen readers); with the browser's
// permission and the user's preference, it also shows as a system notification. The browser
// reconnects by itself after a restart; an `end` event (signed out, too many tabs) stops it.
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
    window.showToast({ kind: 'info', message: latest.message, link: latest.link ? { href: latest.link, label: 'Open' } : undefined })
    if (wantsBrowser && Notification.permission === 'granted') new Notification('Train Data', { body: latest.message })
  })
  source.addEventListener('end', () => source.close())
})

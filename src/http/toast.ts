import type { Context } from 'hono'

/**
 * A result shown as a toast after an htmx request: the answer carries it in `HX-Trigger` as the
 * `toast` event, and public/toasts.js shows it in the page's `#toasts` live region (errors in `#toast-alerts`).
 */
export type Toast = {
  kind: 'success' | 'error' | 'info'
  message: string
  /** An error's reference ("E-7Q2K…"): the toast links to its details page. */
  reference?: string
  /** A link to follow from the toast ("Review these"). */
  link?: { href: string; label: string }
  /** Undo, where the action has one: a POST to `url` (htmx) with the label shown. */
  undo?: { url: string; label?: string }
}

export function toast(c: Context, shown: Toast): void {
  // A header carries bytes, not text: characters beyond ASCII ("—", "…", names) travel as JSON escapes.
  const json = JSON.stringify({ toast: shown }).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
  c.header('HX-Trigger', json)
}

/**
 * The answer to an action posted from a page. A plain form gets a redirect (303) to `to`, with
 * `?done=<done>` for the page's notice; htmx gets the toast, and fetches `to` again into `#main`
 * (HX-Location), so the page shows the result and the toasts, which sit outside `#main`, stay.
 */
export function answerAction(c: Context, to: string, shown: Toast, done?: string): Response {
  if (c.req.header('hx-request') !== 'true') {
    if (!done) return c.redirect(to, 303)
    const url = new URL(to, 'http://local')
    url.searchParams.set('done', done)
    return c.redirect(url.pathname + url.search, 303)
  }
  toast(c, shown)
  c.header('HX-Location', JSON.stringify({ path: to, target: '#main', select: '#main', swap: 'outerHTML' }))
  return c.body(null, 204)
}

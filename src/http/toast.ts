import type { Context } from 'hono'

/**
 * A result shown as a toast after an htmx request: the answer carries it in `HX-Trigger` as the
 * `toast` event, and public/toasts.js shows it in the page's `#toasts` live region.
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
  // A header carries Latin-1 only: anything beyond ASCII (quotes, a batch's name) goes as a JSON \u escape.
  const ascii = JSON.stringify({ toast: shown }).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
  c.header('HX-Trigger', ascii)
}

import type { Context } from 'hono'

/**
 * The message for `?done=<code>` after a Post/Redirect/Get: chosen from the page's own list by code,
 * so a crafted link cannot put words on our page.
 */
export function doneNotice<Codes extends Record<string, string>>(c: Context, notices: Codes): string | undefined {
  const done = c.req.query('done')
  return done !== undefined && Object.hasOwn(notices, done) ? notices[done] : undefined
}

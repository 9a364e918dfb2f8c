import type { Context } from 'hono'
import { z } from 'zod'
import { parseBody } from './respond'

const Confirmation = z.object({
  confirmed: z.preprocess(
    (v) => (Array.isArray(v) && v.length === 1 ? v[0] : v),
    z.union([z.boolean(), z.stringbool({ error: 'must be true or false' })], { error: 'must be true or false' }).optional(),
  ),
})

/**
 * Whether a form post that cannot be taken back says `confirmed=true`. Without it the route shows
 * a confirm page whose button sends it: a step that works without JavaScript.
 */
export async function isConfirmed(c: Context): Promise<boolean> {
  return (await parseBody(c, Confirmation)).confirmed === true
}

import { Hono } from 'hono'
import { z } from 'zod'
import { DraftStatus } from '../../views/Drafts'
import { requestOrigin, signedInUser } from '../auth/middleware'
import type { AppEnv } from '../http/env'
import { isHtmx, parseBody, readBody, wantsJson } from '../http/respond'
import { sameOriginPath } from '../http/safe-redirect'
import { toast } from '../http/toast'
import { checkDraftAllowed, DraftKey, deleteDraft, parseDraft, saveDraft } from './drafts'

/** /drafts: every long form posts itself here as you type (public/drafts.js); the offer's "Discard" posts to /drafts/discard. */
export const draftRoutes = new Hono<AppEnv>()

draftRoutes.post('/', async (c) => {
  const user = signedInUser(c)
  const draft = parseDraft(await readBody(c))
  checkDraftAllowed(user.role, draft.key)
  const savedAt = await saveDraft(c.var.db, user.id, draft)
  if (wantsJson(c)) return c.json({ key: draft.key, base_version: draft.baseVersion, updated_at: savedAt })
  return c.html(<DraftStatus savedAt={savedAt} />)
})

const DiscardBody = z.object({ draft_key: DraftKey, return_to: z.string().max(2000).optional() })

draftRoutes.post('/discard', async (c) => {
  const user = signedInUser(c)
  const { draft_key: key, return_to: returnTo } = await parseBody(c, DiscardBody)
  // Only the user's own draft can be named: the key is looked up under their id.
  await deleteDraft(c.var.db, user.id, key)
  if (wantsJson(c)) return c.body(null, 204)
  if (isHtmx(c)) {
    toast(c, { kind: 'info', message: 'Draft discarded.' })
    return c.body(null, 200)
  }
  return c.redirect(sameOriginPath(returnTo, requestOrigin(c)) ?? '/', 303)
})

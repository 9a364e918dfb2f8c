import { Hono } from 'hono'
import { z } from 'zod'
import { requireCapability } from '../auth/middleware'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { parseBody } from '../http/respond'
import { checkDecision, recordDecision, ReviewConflict, ReviewInput, undoLastDecision } from './actions'
import { activeReviewSettings } from './settings'

/**
 * The review JSON API (DESIGN.md §8), mounted at /api:
 * POST /api/conversations/:id/review {action, reasons?, comment?, version} → 200 the new state, 409 on a stale version;
 * POST /api/review/undo → 200 the conversation put back to pending review.
 */
export const reviewApi = new Hono<AppEnv>()

reviewApi.post('/conversations/:id/review', requireCapability('review'), async (c) => {
  const id = z.uuid().safeParse(c.req.param('id'))
  if (!id.success) throw new NotFound('This conversation does not exist or has been deleted.')
  const input = await parseBody(c, ReviewInput)
  checkDecision(input, await activeReviewSettings(c.var.db))
  try {
    const { action, conversation } = await recordDecision(c.var.db, id.data, c.var.user!.id, input)
    return c.json({ ...conversation, review_action: action })
  } catch (err) {
    if (err instanceof ReviewConflict) return c.json({ error: { code: err.code, message: err.message }, conversation: err.current }, 409)
    throw err
  }
})

reviewApi.post('/review/undo', requireCapability('review'), async (c) => {
  try {
    const { action, conversation } = await undoLastDecision(c.var.db, c.var.user!.id)
    return c.json({ ...conversation, review_action: action })
  } catch (err) {
    if (err instanceof ReviewConflict) return c.json({ error: { code: err.code, message: err.message }, conversation: err.current }, 409)
    throw err
  }
})

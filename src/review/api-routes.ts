import { Hono } from 'hono'
import { requireCapability, signedInUser } from '../auth/middleware'
import type { AppEnv } from '../http/env'
import { uuidParam } from '../http/params'
import { parseBody } from '../http/respond'
import { decide, ReviewInput, undoLastDecision } from './actions'

/**
 * The review JSON API (DESIGN.md §8), mounted at /api:
 * POST /api/conversations/:id/review {action, reasons?, comment?, version} → 200 the new state, 409 on a stale version;
 * POST /api/review/undo → 200 the conversation put back to pending review.
 * A 409 carries the conversation's current state beside the error (ReviewConflict puts it there).
 */
export const reviewApi = new Hono<AppEnv>()

reviewApi.post('/conversations/:id/review', requireCapability('review'), async (c) => {
  const id = uuidParam(c, 'id', 'conversation')
  const input = await parseBody(c, ReviewInput)
  const { action, conversation } = await decide(c.var.db, id, signedInUser(c).id, input)
  return c.json({ ...conversation, review_action: action })
})

reviewApi.post('/review/undo', requireCapability('review'), async (c) => {
  const { action, conversation } = await undoLastDecision(c.var.db, signedInUser(c).id)
  return c.json({ ...conversation, review_action: action })
})

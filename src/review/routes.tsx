import type { Context } from 'hono'
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import { requireCapability } from '../auth/middleware'
import { AppError, NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { invalid, isHtmx, readBody, wantsJson } from '../http/respond'
import { QueuePage, QueueRows } from '../../views/review/QueuePage'
import { ReviewPage } from '../../views/review/ReviewPage'
import { ReviewScreen } from '../../views/review/ReviewScreen'
import { checkDecision, recordDecision, ReviewConflict, ReviewInput, undoLastDecision } from './actions'
import { findReviewPreferences, listQueueSources, saveReviewOrder } from './queries'
import { claimConversation, listReviewQueue, neighbourInQueue, queueParams, ReviewQueueQuery, type ReviewQueue } from './queue'
import { loadEmptyScreen, loadReviewScreen, OUTCOMES, type Outcome } from './screen'
import { activeReviewSettings } from './settings'

type C = Context<AppEnv>

export const reviewRoutes = new Hono<AppEnv>()
reviewRoutes.use('*', requireCapability('review'))

/** The queue from the query string; the reviewer's saved order when none is given. */
async function resolveQueue(c: C): Promise<{ queue: ReviewQueue; after?: string }> {
  const parsed = ReviewQueueQuery.safeParse(c.req.queries())
  if (!parsed.success) throw invalid(parsed.error)
  const { after, order, ...filters } = parsed.data
  // Review links always carry the order; the saved preference is read only when they do not.
  return { queue: { ...filters, order: order ?? (await findReviewPreferences(c.var.db, c.var.user!.id)).order }, after }
}

const conversationId = (c: C) => {
  const id = z.uuid().safeParse(c.req.param('id'))
  if (!id.success) throw new NotFound('This conversation does not exist or has been deleted.')
  return id.data
}

reviewRoutes.get('/', async (c) => {
  const { queue, after } = await resolveQueue(c)
  const preferences = await findReviewPreferences(c.var.db, c.var.user!.id)
  const page = await listReviewQueue(c.var.db, queue, { after, limit: preferences.pageSize, reviewerId: c.var.user!.id })
  if (wantsJson(c)) return c.json(page)
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<QueueRows queue={queue} page={page} />)
  return c.html(<QueuePage ctx={pageContext(c)} queue={queue} page={page} sources={await listQueueSources(c.var.db)} />)
})

/** The queue page's form: an order chosen there is remembered for next time, then the queue is shown (post, redirect, get). */
reviewRoutes.post('/queue', async (c) => {
  const parsed = ReviewQueueQuery.safeParse(await readBody(c))
  if (!parsed.success) throw invalid(parsed.error)
  const { after: _after, order, ...filters } = parsed.data
  if (order) await saveReviewOrder(c.var.db, c.var.user!.id, order)
  const queue = { ...filters, order: order ?? (await findReviewPreferences(c.var.db, c.var.user!.id)).order }
  return wantsJson(c) ? c.json({ order: queue.order }) : c.redirect(`/review${queueParams(queue)}`, 303)
})

/** "Start reviewing": the first conversation of the queue this reviewer may take. */
reviewRoutes.get('/next', async (c) => {
  const { queue } = await resolveQueue(c)
  const next = await neighbourInQueue(c.var.db, queue, { direction: 'next', reviewerId: c.var.user!.id })
  if (next) return c.redirect(`/review/${next}${queueParams(queue)}`, 303)
  return screen(c, queue, undefined)
})

reviewRoutes.post('/undo', async (c) => {
  const { queue } = await resolveQueue(c)
  const body = await readBody(c)
  const current = z.uuid().safeParse(body.current)
  try {
    const { undone } = await undoLastDecision(c.var.db, c.var.user!.id)
    return moveTo(c, queue, undone.conversation_id, 'undo')
  } catch (err) {
    if (!(err instanceof AppError) || err instanceof NotFound) throw err
    return screen(c, queue, current.success ? current.data : undefined, { error: err.message, status: err.status })
  }
})

reviewRoutes.get('/:id', async (c) => {
  const { queue } = await resolveQueue(c)
  const done = c.req.query('done')
  return screen(c, queue, conversationId(c), { notice: done && done in OUTCOMES ? OUTCOMES[done as Outcome] : undefined })
})

/** The review screen, once shown, holds its conversation for this reviewer so others' "next" skips it. */
reviewRoutes.post('/:id/claim', async (c) => {
  const claim = await claimConversation(c.var.db, conversationId(c), c.var.user!.id)
  return wantsJson(c) ? c.json(claim) : c.body(null, 204)
})

/** A decision from the review screen; answers with the next conversation (303, or the fragment for htmx). */
reviewRoutes.post('/:id', async (c) => {
  const id = conversationId(c)
  const { queue } = await resolveQueue(c)
  try {
    const parsed = ReviewInput.safeParse(await readBody(c))
    if (!parsed.success) throw invalid(parsed.error)
    checkDecision(parsed.data, await activeReviewSettings(c.var.db))
    await recordDecision(c.var.db, id, c.var.user!.id, parsed.data)
    const next = await neighbourInQueue(c.var.db, queue, { fromId: id, direction: 'next', reviewerId: c.var.user!.id })
    return moveTo(c, queue, next, parsed.data.action)
  } catch (err) {
    if (!(err instanceof ValidationFailed || err instanceof ReviewConflict)) throw err
    return screen(c, queue, id, { error: err.message, status: err.status })
  }
})

/** After a decision or an undo: a redirect for forms, the next screen itself for htmx (one round trip). */
async function moveTo(c: C, queue: ReviewQueue, id: string | undefined, outcome: Outcome) {
  const url = id ? `/review/${id}${queueParams(queue)}` : `/review/next${queueParams(queue)}`
  if (!isHtmx(c)) return c.redirect(id ? `/review/${id}${queueParams(queue, { done: outcome })}` : url, 303)
  c.header('HX-Push-Url', url)
  return screen(c, queue, id, { notice: OUTCOMES[outcome] })
}

async function screen(c: C, queue: ReviewQueue, id: string | undefined, options: { notice?: string; error?: string; status?: ContentfulStatusCode } = {}) {
  const data = id ? await loadReviewScreen(c.var.db, queue, id, c.var.user!.id) : await loadEmptyScreen(c.var.db, queue)
  const props = { ...data, notice: options.notice, error: options.error }
  const status = options.status ?? 200
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<ReviewScreen {...props} />, status)
  return c.html(<ReviewPage ctx={pageContext(c)} {...props} />, status)
}

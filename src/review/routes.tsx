import type { Context } from 'hono'
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import { QueuePage, QueueRows } from '../../views/review/QueuePage'
import { ReviewPage } from '../../views/review/ReviewPage'
import { ReviewScreen, ReviewScreenUpdates } from '../../views/review/ReviewScreen'
import { requireCapability, signedInUser } from '../auth/middleware'
import { formDraft } from '../drafts/drafts'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext, preferencesOf } from '../http/page-context'
import { uuidParam } from '../http/params'
import { isHtmx, parseBody, parseInput, readBody, wantsJson } from '../http/respond'
import { toast } from '../http/toast'
import { decide, ReviewInput, type SubmittedDecision, submittedDecision, undoLastDecision } from './actions'
import { findReviewPreferences, listQueueSources, saveReviewOrder } from './queries'
import { claimConversation, listReviewQueue, neighbourInQueue, pendingCount, queueParams, type ReviewQueue, ReviewQueueQuery } from './queue'
import { loadEmptyScreen, loadReviewScreen, loadScreenUpdates, OUTCOMES, type Outcome, outcomeNotice } from './screen'

type C = Context<AppEnv>

export const reviewRoutes = new Hono<AppEnv>()
reviewRoutes.use('*', requireCapability('review'))

/** The queue from the query string; the reviewer's saved order when none is given. */
async function resolveQueue(c: C): Promise<{ queue: ReviewQueue; after?: string }> {
  const parsed = parseInput(ReviewQueueQuery, c.req.queries())
  const { after, order, ...filters } = parsed
  // Review links always carry the order; the saved preference is read only when they do not.
  return { queue: { ...filters, order: order ?? (await findReviewPreferences(c.var.db, signedInUser(c).id)).order }, after }
}

const conversationId = (c: C) => uuidParam(c, 'id', 'conversation')

reviewRoutes.get('/', async (c) => {
  const { queue, after } = await resolveQueue(c)
  const reviewer = signedInUser(c)
  const preferences = await findReviewPreferences(c.var.db, reviewer.id)
  const page = await listReviewQueue(c.var.db, queue, { after, limit: preferences.pageSize, reviewerId: reviewer.id })
  if (wantsJson(c)) return c.json(page)
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<QueueRows queue={queue} page={page} />)
  const [sources, pending] = await Promise.all([listQueueSources(c.var.db), pendingCount(c.var.db, queue)])
  return c.html(<QueuePage ctx={pageContext(c)} queue={queue} page={page} sources={sources} pending={pending} />)
})

/** The queue page's form: an order chosen there is remembered for next time, then the queue is shown (post, redirect, get). */
reviewRoutes.post('/queue', async (c) => {
  const { after: _after, order, ...filters } = await parseBody(c, ReviewQueueQuery)
  const reviewer = signedInUser(c)
  if (order) await saveReviewOrder(c.var.db, reviewer.id, order)
  const queue = { ...filters, order: order ?? (await findReviewPreferences(c.var.db, reviewer.id)).order }
  return wantsJson(c) ? c.json({ order: queue.order }) : c.redirect(`/review${queueParams(queue)}`, 303)
})

/** "Start reviewing": the first conversation of the queue this reviewer may take. */
reviewRoutes.get('/next', async (c) => {
  const { queue } = await resolveQueue(c)
  const next = await neighbourInQueue(c.var.db, queue, { direction: 'next', reviewerId: signedInUser(c).id })
  if (next) return c.redirect(`/review/${next}${queueParams(queue)}`, 303)
  return screen(c, queue, undefined)
})

reviewRoutes.post('/undo', async (c) => {
  const { queue } = await resolveQueue(c)
  // Nothing to undo, or it changed since: the reviewer stays on the conversation they were looking at.
  const current = z.uuid().safeParse((await readBody(c)).current)
  rerenderOnError(c, (problem, err) => screen(c, queue, current.success ? current.data : undefined, { error: problem.error, status: err.status }))
  const { undone } = await undoLastDecision(c.var.db, signedInUser(c).id)
  return moveTo(c, queue, undone.conversation_id, 'undo')
})

reviewRoutes.get('/:id', async (c) => {
  const { queue } = await resolveQueue(c)
  return screen(c, queue, conversationId(c), { notice: doneNotice(c, OUTCOMES) })
})

/** The review screen, once shown, holds its conversation for this reviewer so others' "next" skips it. */
reviewRoutes.post('/:id/claim', async (c) => {
  const claim = await claimConversation(c.var.db, conversationId(c), signedInUser(c).id)
  return wantsJson(c) ? c.json(claim) : c.body(null, 204)
})

/** A decision from the review screen; answers with the next conversation (303, or the fragment for htmx). */
reviewRoutes.post('/:id', async (c) => {
  const id = conversationId(c)
  const { queue } = await resolveQueue(c)
  const body = await readBody(c)
  // A refused decision (bad input, a stale version) shows the same conversation again with the
  // reason, and the panel it came from still open with what was typed in it.
  rerenderOnError(c, (problem, err) => screen(c, queue, id, { error: problem.error, status: err.status, submitted: submittedDecision(body) }))
  const input = parseInput(ReviewInput, body)
  const reviewerId = signedInUser(c).id
  await decide(c.var.db, id, reviewerId, input)
  const next = await neighbourInQueue(c.var.db, queue, { fromId: id, direction: 'next', reviewerId })
  return moveTo(c, queue, next, input.action)
})

const TOASTS: Record<Outcome, string> = {
  approve: 'Approved.',
  reject: 'Rejected.',
  request_changes: 'Sent back for changes.',
  undo: 'Undone: the conversation is pending review again.',
}

/**
 * After a decision or an undo: a redirect for forms, the next screen itself for htmx (one round
 * trip). When the browser already shows that next screen (fetched ahead and swapped in as the key
 * was pressed, public/review.js, which says so in Review-Shown), only what the decision changed.
 */
async function moveTo(c: C, queue: ReviewQueue, id: string | undefined, outcome: Outcome) {
  const url = id ? `/review/${id}${queueParams(queue)}` : `/review/next${queueParams(queue)}`
  if (!isHtmx(c)) return c.redirect(id ? `/review/${id}${queueParams(queue, { done: outcome })}` : url, 303)
  const shown = id !== undefined && c.req.header('Review-Shown') === id
  if (!shown) c.header('HX-Push-Url', url)
  // A decision can be taken back (the reviewer's latest, as the u key does); an undo cannot.
  toast(c, {
    kind: 'success',
    message: TOASTS[outcome],
    undo: outcome === 'undo' ? undefined : { url: `/review/undo${queueParams(queue)}`, label: 'Undo' },
  })
  return screen(c, queue, id, { notice: outcomeNotice(outcome, id !== undefined), updatesOnly: shown })
}

async function screen(
  c: C,
  queue: ReviewQueue,
  id: string | undefined,
  options: { notice?: string; error?: string; status?: ContentfulStatusCode; submitted?: SubmittedDecision; updatesOnly?: boolean } = {},
) {
  const reviewerId = signedInUser(c).id
  if (id && options.updatesOnly && isHtmx(c)) {
    const updates = await loadScreenUpdates(c.var.db, queue, id, reviewerId)
    return c.html(<ReviewScreenUpdates {...updates} notice={options.notice} keys={preferencesOf(c).shortcuts} />)
  }
  const data = id ? await loadReviewScreen(c.var.db, queue, id, reviewerId) : await loadEmptyScreen(c.var.db, queue)
  const item = 'item' in data ? data.item : undefined
  const draft =
    item &&
    (await formDraft(c, `review-comment:${item.id}`, {
      page: `/review/${item.id}${queueParams(queue)}`,
      current: { version: item.version, thing: 'conversation' },
    }))
  const props = { ...data, notice: options.notice, error: options.error, submitted: options.submitted, keys: preferencesOf(c).shortcuts, draft }
  const status = options.status ?? 200
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<ReviewScreen {...props} />, status)
  return c.html(<ReviewPage ctx={pageContext(c)} {...props} />, status)
}

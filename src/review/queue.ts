import { type Kysely, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import { conversationFilter, FILTER_FIELDS } from '../conversations/filter'
import { rememberedKeys } from '../db/cached-read'
import type { DB } from '../db/schema'
import { keysetPage } from '../http/cursor'
import { optionalField } from '../http/params'

/**
 * The review queue: pending, live conversations in an order the reviewer picks, filtered by batch,
 * template, tier and quality, paged by keyset on (sort key, id). Each order has a partial index
 * (migrations/2026_11_25_2100_review.ts), so "next" reads a handful of index entries at any size.
 */

export const REVIEW_ORDERS = ['oldest', 'lowest', 'highest'] as const
export type ReviewOrder = (typeof REVIEW_ORDERS)[number]
export const ORDER_LABELS: Record<ReviewOrder, string> = { oldest: 'Oldest first', lowest: 'Lowest quality first', highest: 'Highest quality first' }

/** How a reviewer is named on review pages (who decided, who holds a claim): their name, else their email. */
export const reviewerName = sql<string | null>`coalesce(nullif(users.name, ''), users.email)`

/** How long a reviewer holds the conversation they are looking at before others' "next" may give it out. */
export const CLAIM_MS = 5 * 60_000

export const ReviewQueueQuery = z
  .object({
    batch_id: FILTER_FIELDS.batch_id,
    template_id: FILTER_FIELDS.template_id,
    tier: FILTER_FIELDS.tier,
    quality_min: FILTER_FIELDS.quality_min,
    quality_max: FILTER_FIELDS.quality_max,
    order: optionalField(z.enum(REVIEW_ORDERS, { error: `must be one of ${REVIEW_ORDERS.join(', ')}` })),
    /** Keyset cursor: the id of the last conversation on the previous page. */
    after: optionalField(z.uuid({ error: 'must be a cursor from a previous page (a conversation id)' })),
  })
  .refine((q) => q.quality_min === undefined || q.quality_max === undefined || q.quality_min <= q.quality_max, {
    path: ['quality_max'],
    message: 'must not be below quality_min',
  })
export type ReviewQueueQuery = z.infer<typeof ReviewQueueQuery>

/** The queue a reviewer works: its filters and the order, resolved (the user's preference when not given). */
export type ReviewQueue = Omit<ReviewQueueQuery, 'after' | 'order'> & { order: ReviewOrder }

const QUEUE_KEYS = ['order', 'batch_id', 'template_id', 'tier', 'quality_min', 'quality_max'] as const

/** The queue as URL parameters, carried on every review link so "next" stays in the same queue. */
export function queueParams(queue: ReviewQueue, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams()
  for (const key of QUEUE_KEYS) {
    const value = queue[key]
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) params.append(key, v)
    else params.set(key, String(value))
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}

const sortKey = (order: ReviewOrder, alias: string) =>
  order === 'oldest' ? sql.ref(`${alias}.created_at`) : sql`coalesce(${sql.ref(`${alias}.quality_score`)}, -1)`

/** Conversations after (or before) `fromId` in the queue's order; the key is read in the query, so no precision is lost. */
function beyond(order: ReviewOrder, fromId: string, direction: 'after' | 'before') {
  const ascending = order !== 'highest'
  const op = (direction === 'after') === ascending ? sql`>` : sql`<`
  return sql<SqlBool>`(${sortKey(order, 'conversations')}, conversations.id) ${op}
    (select ${sortKey(order, 'c2')}, c2.id from conversations c2 where c2.id = ${fromId})`
}

function pendingIn(db: Kysely<DB>, queue: ReviewQueue) {
  return db.selectFrom('conversations').where(
    conversationFilter({
      status: ['pending_review'],
      batch_id: queue.batch_id,
      template_id: queue.template_id,
      tier: queue.tier,
      quality_min: queue.quality_min,
      quality_max: queue.quality_max,
    }),
  )
}

function direction(order: ReviewOrder, forward: boolean): 'asc' | 'desc' {
  return (order !== 'highest') === forward ? 'asc' : 'desc'
}

const notClaimedByOthers = (reviewerId: string) =>
  sql<SqlBool>`not exists (select 1 from review_claims rc where rc.conversation_id = conversations.id
    and rc.reviewer_id <> ${reviewerId} and rc.expires_at > now())`

export type QueueItem = {
  id: string
  title: string
  tier: string
  quality_score: number | null
  persona: string
  emotion: string
  topic: string
  turn_count: number
  created_at: Date
  template_name: string | null
  claimed_by: string | null
}

/** One page of the queue (claimed items included, marked), with the cursor of the next page. */
export async function listReviewQueue(
  db: Kysely<DB>,
  queue: ReviewQueue,
  options: { after?: string; limit: number; reviewerId: string },
): Promise<{ items: QueueItem[]; next_cursor: string | null }> {
  let query = pendingIn(db, queue)
  if (options.after) query = query.where(beyond(queue.order, options.after, 'after'))
  const rows = await query
    .leftJoin('templates', 'templates.id', 'conversations.template_id')
    .leftJoin('review_claims', (join) =>
      join
        .onRef('review_claims.conversation_id', '=', 'conversations.id')
        .on('review_claims.expires_at', '>', sql<Date>`now()`)
        .on('review_claims.reviewer_id', '<>', options.reviewerId),
    )
    .leftJoin('users', 'users.id', 'review_claims.reviewer_id')
    .select([
      'conversations.id',
      'conversations.title',
      'conversations.tier',
      'conversations.quality_score',
      'conversations.persona',
      'conversations.emotion',
      'conversations.topic',
      'conversations.turn_count',
      'conversations.created_at',
      'templates.name as template_name',
      reviewerName.as('claimed_by'),
    ])
    .orderBy(sortKey(queue.order, 'conversations'), direction(queue.order, true))
    .orderBy('conversations.id', direction(queue.order, true))
    .limit(options.limit + 1)
    .execute()
  return keysetPage(rows, options.limit, (last) => last.id)
}

/**
 * The conversation to review after (or before) `fromId`, skipping those others hold a live claim
 * on. "Next" past the end starts again from the top, so skipped items come round again.
 */
export async function neighbourInQueue(
  db: Kysely<DB>,
  queue: ReviewQueue,
  options: { fromId?: string; direction: 'next' | 'previous'; reviewerId: string },
): Promise<string | undefined> {
  const forward = options.direction === 'next'
  const find = (from: string | undefined) => {
    let query = pendingIn(db, queue).where(notClaimedByOthers(options.reviewerId))
    if (from) query = query.where(beyond(queue.order, from, forward ? 'after' : 'before'))
    if (options.fromId) query = query.where('conversations.id', '<>', options.fromId)
    return query
      .select('conversations.id')
      .orderBy(sortKey(queue.order, 'conversations'), direction(queue.order, forward))
      .orderBy('conversations.id', direction(queue.order, forward))
      .limit(1)
      .executeTakeFirst()
  }
  const found = await find(options.fromId)
  if (found || !forward || !options.fromId) return found?.id
  return (await find(undefined))?.id
}

/** Counting stops here: past it the screen says "10,000+", and a count never reads more index entries than this. */
export const COUNT_CAP = 10_000

export type QueuePosition = {
  /** 1-based place of the conversation in the queue's order; null when it is not pending in this queue. */
  position: number | null
  /** Pending conversations in the queue (at most COUNT_CAP). */
  total: number
  /** More than COUNT_CAP are pending. */
  more: boolean
}

/**
 * Where a conversation stands in the queue, "12 of 100 pending": the pending conversations before
 * it in the queue's order, and all of them (claimed ones included). Both counts are capped.
 */
export async function queuePosition(db: Kysely<DB>, queue: ReviewQueue, id: string): Promise<QueuePosition> {
  const [pending, before, here] = await Promise.all([
    pendingCount(db, queue),
    // In the queue's order: without it the planner may pick a sequential scan of every conversation
    // to find the few before one near the front (1.1 s at 1,000,000 instead of 0.2 ms).
    cappedCount(
      db,
      pendingIn(db, queue)
        .where(beyond(queue.order, id, 'before'))
        .orderBy(sortKey(queue.order, 'conversations'), direction(queue.order, true))
        .orderBy('conversations.id', direction(queue.order, true)),
    ),
    pendingIn(db, queue).where('conversations.id', '=', id).select('conversations.id').executeTakeFirst(),
  ])
  return { ...pending, position: here && before < COUNT_CAP ? before + 1 : null }
}

/**
 * A queue past the cap stays past it for a while, so "10,000+" is remembered for a few seconds per
 * queue instead of read again on every screen (10,001 index entries each time). A count under the
 * cap is always read, so a reviewer sees it go down with each decision.
 */
const overCap = rememberedKeys(10_000)

/** The pending conversations in the queue (claimed ones included), counted up to COUNT_CAP. */
export async function pendingCount(db: Kysely<DB>, queue: ReviewQueue): Promise<{ total: number; more: boolean }> {
  const key = queueParams(queue)
  if (overCap.has(db, key)) return { total: COUNT_CAP, more: true }
  const total = await cappedCount(db, pendingIn(db, queue))
  if (total > COUNT_CAP) overCap.add(db, key)
  return { total: Math.min(total, COUNT_CAP), more: total > COUNT_CAP }
}

/** How many rows a query of pending conversations matches, reading at most COUNT_CAP + 1 of them. */
async function cappedCount(db: Kysely<DB>, query: ReturnType<typeof pendingIn>): Promise<number> {
  const row = await db
    .selectFrom(
      query
        .select(sql`1`.as('one'))
        .limit(COUNT_CAP + 1)
        .as('capped'),
    )
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Holds a pending conversation for this reviewer for a few minutes, unless someone else holds it.
 * Answers who holds it now: this reviewer, someone else (by name), or nobody (not pending).
 */
export async function claimConversation(db: Kysely<DB>, conversationId: string, reviewerId: string): Promise<{ mine: boolean; holder?: string }> {
  // A claim is a hint, not a decision: losing one in a crash is harmless, so its commit does not wait for the disk.
  const held = await db.transaction().execute(async (trx) => {
    await sql`set local synchronous_commit = off`.execute(trx)
    return trx
      .insertInto('review_claims')
      .columns(['conversation_id', 'reviewer_id', 'expires_at'])
      .expression((eb) =>
        eb
          .selectFrom('conversations')
          .select([
            'conversations.id',
            sql<string>`${reviewerId}::uuid`.as('reviewer_id'),
            sql<Date>`now() + ${`${CLAIM_MS} milliseconds`}::interval`.as('expires_at'),
          ])
          .where('conversations.id', '=', conversationId)
          .where('conversations.status', '=', 'pending_review'),
      )
      .onConflict((oc) =>
        oc
          .column('conversation_id')
          .doUpdateSet({ reviewer_id: reviewerId, expires_at: (eb) => eb.ref('excluded.expires_at') })
          .where((eb) => eb.or([eb('review_claims.reviewer_id', '=', reviewerId), eb('review_claims.expires_at', '<=', sql<Date>`now()`)])),
      )
      .returning('conversation_id')
      .executeTakeFirst()
  })
  if (held) return { mine: true }
  return { mine: false, holder: await claimHolder(db, conversationId, reviewerId) }
}

/** Who else (by name) holds a live claim on the conversation, without claiming anything. */
export async function claimHolder(db: Kysely<DB>, conversationId: string, reviewerId: string): Promise<string | undefined> {
  const holder = await db
    .selectFrom('review_claims')
    .innerJoin('users', 'users.id', 'review_claims.reviewer_id')
    .select(reviewerName.as('name'))
    .where('review_claims.conversation_id', '=', conversationId)
    .where('review_claims.reviewer_id', '<>', reviewerId)
    .where('review_claims.expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst()
  return holder?.name ?? undefined
}

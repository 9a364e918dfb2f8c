import { type Kysely, sql } from 'kysely'
import { cursorAt, newestFirstPage } from '../../db/newest-first'
import type { BatchStatus, ConversationStatus, DB } from '../../db/schema'
import type { BatchEstimate } from '../cost'

/** The batch read model: one batch's state (counts, spend, latest results) and the list of batches. */

/** `cancelled` counts the conversations its cancellation stopped that were not cleared away (trashed) since. */
export type BatchCounts = { queued: number; generating: number; done: number; failed: number; cancelled: number }

const DONE_STATUSES: ConversationStatus[] = ['pending_review', 'approved', 'rejected', 'needs_revision']

export type LatestResult = {
  id: string
  title: string
  status: ConversationStatus
  quality_score: number | null
  flagged: boolean
  error_code: string | null
  updated_at: Date
}

export type BatchState = {
  id: string
  name: string
  status: BatchStatus
  template_id: string
  template_name: string
  total: number
  counts: BatchCounts
  input_tokens: number
  output_tokens: number
  cost_usd: number
  estimate: Partial<BatchEstimate>
  simulated: boolean
  uses_message_batches: boolean
  message_batch_id: string | null
  /** How many of its conversations were grounded in a source chunk. */
  grounded: number
  created_at: Date
  finished_at: Date | null
  latest: LatestResult[]
}

/** Batches with the name of their template, as the batch page and the list show them. */
function batchesWithTemplateName(db: Kysely<DB>) {
  return db.selectFrom('batches').innerJoin('templates', 'templates.id', 'batches.template_id').select('templates.name as template_name')
}

export async function findBatchState(db: Kysely<DB>, id: string, latest = 10): Promise<BatchState | undefined> {
  const batch = await batchesWithTemplateName(db).selectAll('batches').where('batches.id', '=', id).executeTakeFirst()
  if (!batch) return undefined
  const [groups, recent] = await Promise.all([
    db
      .selectFrom('conversations')
      .select((eb) => [
        'status',
        eb.fn.countAll<number>().as('n'),
        sql<number>`count(*) filter (where deleted_at is null)::int`.as('live'),
        sql<number>`count(*) filter (where chunk_context is not null)::int`.as('grounded'),
        sql<number>`coalesce(sum(input_tokens + cache_read_tokens + cache_write_tokens), 0)::bigint`.as('input_tokens'),
        sql<number>`coalesce(sum(output_tokens), 0)::bigint`.as('output_tokens'),
        sql<number>`coalesce(sum(cost_usd), 0)`.as('cost_usd'),
      ])
      .where('batch_id', '=', id)
      .groupBy('status')
      .execute(),
    db
      .selectFrom('conversations')
      .select(['id', 'title', 'status', 'quality_score', 'flagged', 'error_code', 'updated_at'])
      .where('batch_id', '=', id)
      .where('status', 'not in', ['queued', 'generating', 'cancelled'])
      .where('deleted_at', 'is', null)
      .orderBy('updated_at', 'desc')
      .limit(latest)
      .execute(),
  ])
  const counts: BatchCounts = { queued: 0, generating: 0, done: 0, failed: 0, cancelled: 0 }
  const spent = { input_tokens: 0, output_tokens: 0, cost_usd: 0 }
  let grounded = 0
  for (const { status, n, live, grounded: inGroup, ...sums } of groups) {
    grounded += inGroup
    spent.input_tokens += Number(sums.input_tokens)
    spent.output_tokens += Number(sums.output_tokens)
    spent.cost_usd += Number(sums.cost_usd)
    if (status === 'queued') counts.queued += n
    else if (status === 'generating') counts.generating += n
    else if (status === 'failed') counts.failed += n
    else if (status === 'cancelled') counts.cancelled += live
    else if (DONE_STATUSES.includes(status)) counts.done += n
  }
  return {
    id: batch.id,
    name: batch.name,
    status: batch.status,
    template_id: batch.template_id,
    template_name: batch.template_name,
    total: batch.total,
    counts,
    input_tokens: spent.input_tokens,
    output_tokens: spent.output_tokens,
    cost_usd: Math.round(spent.cost_usd * 1e6) / 1e6,
    estimate: batch.estimate as Partial<BatchEstimate>,
    simulated: batch.simulated,
    uses_message_batches: batch.uses_message_batches,
    message_batch_id: batch.message_batch_id,
    grounded,
    created_at: batch.created_at,
    finished_at: batch.finished_at,
    latest: recent.map((r) => ({ ...r, quality_score: r.quality_score === null ? null : Number(r.quality_score) })),
  }
}

export type BatchListItem = {
  id: string
  name: string
  status: BatchStatus
  total: number
  cost_usd: number
  created_at: Date
  template_name: string
  finished: number
}

/** Newest first, keyset on (created_at, id); a forged `cursor` is a 400 naming it. */
export async function listBatches(db: Kysely<DB>, query: { cursor?: string; limit: number }) {
  const q = batchesWithTemplateName(db)
    .select(['batches.id', 'batches.name', 'batches.status', 'batches.total', 'batches.created_at'])
    .select(cursorAt('batches.created_at'))
    // Unfinished batches sum their conversations; finished ones have the totals on the row.
    .select(
      sql<number>`case when batches.status in ('running', 'paused')
        then (select coalesce(sum(cost_usd), 0) from conversations where batch_id = batches.id) else batches.cost_usd end`.as('cost_usd'),
    )
    .select((eb) =>
      eb
        .selectFrom('conversations')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('conversations.batch_id', '=', 'batches.id')
        .where('conversations.status', 'not in', ['queued', 'generating', 'cancelled'])
        .as('finished'),
    )
  return newestFirstPage(
    q,
    { at: 'batches.created_at', id: 'batches.id' },
    query,
    (r): BatchListItem => ({
      ...r,
      cost_usd: Number(r.cost_usd),
      finished: Number(r.finished ?? 0),
    }),
  )
}

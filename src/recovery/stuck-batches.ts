import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import type { DB } from '../db/schema'
import { optionalField } from '../http/params'

/**
 * Batches that stopped making progress: running, with conversations still queued or generating, and
 * nothing finished (nor resumed) for N minutes. Message Batches batches are left out: the API may
 * take up to 24 hours and their own job collects the results.
 */

export const STUCK_MINUTES_DEFAULT = 10

/** N, from the page's query or a form: whole minutes, 1 to a week. */
export const StuckMinutes = optionalField(
  z.coerce
    .number({ error: 'must be a whole number of minutes from 1 to 10080' })
    .int('must be a whole number of minutes from 1 to 10080')
    .min(1, 'must be from 1 to 10080 minutes')
    .max(10_080, 'must be from 1 to 10080 minutes'),
).transform((n) => n ?? STUCK_MINUTES_DEFAULT)

export type StuckBatch = {
  id: string
  name: string
  queued: number
  generating: number
  /** Generating for longer than N minutes: claims whose worker is presumably gone. */
  stale_generating: number
  /** When one of its conversations last finished (null: none yet). */
  last_finished_at: Date | null
  /** When it started, or was last resumed. */
  updated_at: Date
}

/** Running batches with work left and nothing finished or resumed since `minutes` ago, longest silent first. */
export async function listStuckBatches(db: Kysely<DB>, minutes: number, limit = 50): Promise<StuckBatch[]> {
  const running = batchProgress(db, minutes)
    .where('b.status', '=', 'running')
    .where('b.uses_message_batches', '=', false)
    .where(sql<boolean>`exists (select 1 from conversations c where c.batch_id = b.id and c.status in ('queued', 'generating'))`)
  // Last moved: a conversation finished, or the batch started or was resumed.
  const lastMoved = sql<Date>`greatest(p.last_finished_at, p.updated_at)`
  return db.selectFrom(running.as('p')).selectAll().where(lastMoved, '<', cutoffOf(minutes)).orderBy(lastMoved).orderBy('p.id').limit(limit).execute()
}

/** One batch's figures, stuck or not (what its resume would do, shown before it is done). */
export async function findBatchProgress(db: Kysely<DB>, id: string, minutes: number): Promise<StuckBatch | undefined> {
  return batchProgress(db, minutes).where('b.id', '=', id).executeTakeFirst()
}

const cutoffOf = (minutes: number) => sql<Date>`now() - make_interval(mins => ${minutes}::int)`

/**
 * Each figure is its own subquery, so each is read from an index ((batch_id, status) for the counts,
 * (batch_id, updated_at desc) for the last finish) instead of visiting all of a large batch's rows.
 */
function batchProgress(db: Kysely<DB>, minutes: number) {
  const inBatch = (status: string) => sql<number>`(select count(*) from conversations c where c.batch_id = b.id and c.status = ${status})::int`
  return db.selectFrom('batches as b').select([
    'b.id',
    'b.name',
    'b.updated_at',
    inBatch('queued').as('queued'),
    inBatch('generating').as('generating'),
    sql<number>`(select count(*) from conversations c where c.batch_id = b.id and c.status = 'generating' and c.updated_at < ${cutoffOf(minutes)})::int`.as(
      'stale_generating',
    ),
    sql<Date | null>`(select c.updated_at from conversations c where c.batch_id = b.id and c.status not in ('queued', 'generating')
        order by c.updated_at desc limit 1)`.as('last_finished_at'),
  ])
}

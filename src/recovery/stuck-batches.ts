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
  return batchProgress(db, minutes)
    .where('b.status', '=', 'running')
    .where('b.uses_message_batches', '=', false)
    .where(sql<boolean>`s.queued + s.generating > 0 and greatest(s.last_finished_at, b.updated_at) < ${cutoffOf(minutes)}`)
    .orderBy(sql`greatest(s.last_finished_at, b.updated_at)`)
    .orderBy('b.id')
    .limit(limit)
    .execute()
}

/** One batch's figures, stuck or not (what its resume would do, shown before it is done). */
export async function findBatchProgress(db: Kysely<DB>, id: string, minutes: number): Promise<StuckBatch | undefined> {
  return batchProgress(db, minutes).where('b.id', '=', id).executeTakeFirst()
}

const cutoffOf = (minutes: number) => sql<Date>`now() - make_interval(mins => ${minutes}::int)`

function batchProgress(db: Kysely<DB>, minutes: number) {
  return db
    .selectFrom('batches as b')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('conversations as c')
          .select([
            sql<number>`count(*) filter (where c.status = 'queued')::int`.as('queued'),
            sql<number>`count(*) filter (where c.status = 'generating')::int`.as('generating'),
            sql<number>`count(*) filter (where c.status = 'generating' and c.updated_at < ${cutoffOf(minutes)})::int`.as('stale_generating'),
            sql<Date | null>`max(c.updated_at) filter (where c.status not in ('queued', 'generating'))`.as('last_finished_at'),
          ])
          .whereRef('c.batch_id', '=', 'b.id')
          .as('s'),
      (join) => join.onTrue(),
    )
    .select(['b.id', 'b.name', 'b.updated_at', 's.queued', 's.generating', 's.stale_generating', 's.last_finished_at'])
}

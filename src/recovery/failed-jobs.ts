import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import { NotFound } from '../errors'

/**
 * Jobs graphile-worker gave up on: every attempt used (attempts >= max_attempts) and not locked,
 * as the health page counts them. Retry gives one back its attempts and runs it now; delete removes
 * it. Both go through graphile-worker's own SQL functions (reschedule_jobs, complete_jobs), on the
 * caller's connection, and touch only a job that has given up, so a running one is never disturbed.
 */

export type GaveUpJob = {
  /** graphile-worker's bigint id, as text. */
  id: string
  task_identifier: string
  last_error: string | null
  attempts: number
  max_attempts: number
  created_at: Date
  /** When it last failed. */
  updated_at: Date
}

const GAVE_UP = sql`attempts >= max_attempts and locked_at is null`

/** The most recent failures first; `last_error` cut to its first 1,000 characters (stacks can be long). */
export async function listGaveUpJobs(db: Kysely<DB>, limit = 50): Promise<GaveUpJob[]> {
  const { rows } = await sql<GaveUpJob>`
    select id::text as id, task_identifier, left(last_error, 1000) as last_error, attempts::int as attempts,
      max_attempts::int as max_attempts, created_at, updated_at
    from graphile_worker.jobs where ${GAVE_UP}
    order by updated_at desc, id desc limit ${limit}`.execute(db)
  return rows
}

export async function findGaveUpJob(db: Kysely<DB>, id: string): Promise<GaveUpJob> {
  const { rows } = await sql<GaveUpJob>`
    select id::text as id, task_identifier, left(last_error, 1000) as last_error, attempts::int as attempts,
      max_attempts::int as max_attempts, created_at, updated_at
    from graphile_worker.jobs where id = ${id}::bigint and ${GAVE_UP}`.execute(db)
  return rows[0] ?? notGaveUp()
}

function notGaveUp(): never {
  throw new NotFound('No such failed job: it may have been retried or deleted already.')
}

/** Attempts back to 0 and due now; the worker takes it at its next poll. */
export async function retryGaveUpJob(db: Kysely<DB>, id: string): Promise<void> {
  const { rows } = await sql`
    select id from graphile_worker.reschedule_jobs(
      array(select id from graphile_worker.jobs where id = ${id}::bigint and ${GAVE_UP}), run_at => now(), attempts => 0)`.execute(db)
  if (rows.length === 0) notGaveUp()
}

export async function deleteGaveUpJob(db: Kysely<DB>, id: string): Promise<void> {
  const { rows } = await sql`
    select id from graphile_worker.complete_jobs(array(select id from graphile_worker.jobs where id = ${id}::bigint and ${GAVE_UP}))`.execute(db)
  if (rows.length === 0) notGaveUp()
}

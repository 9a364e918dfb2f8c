import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from './schema'

/**
 * How the app enqueues graphile-worker jobs: always as SQL on the caller's connection or
 * transaction (never through a separate worker-utils pool), so the rows a job is about and the job
 * itself commit together, or neither does.
 */

export type JobOptions = {
  /** Not before this time (default: now). */
  runAt?: Date
  /** graphile-worker's default is 25. */
  maxAttempts?: number
  /** A waiting job with the same key is replaced (its payload and time), so adding it again never doubles it. */
  jobKey?: string
}

/** Adds one job; inside a transaction (pass `trx`) it is added only if the transaction commits. */
export async function addJob(db: Kysely<DB>, task: string, payload: Record<string, unknown>, options: JobOptions = {}): Promise<void> {
  await sql`select graphile_worker.add_job(${task}::text, ${JSON.stringify(payload)}::json, run_at => ${options.runAt ?? null}::timestamptz,
    max_attempts => ${options.maxAttempts ?? null}::int, job_key => ${options.jobKey ?? null}::text)`.execute(db)
}

/**
 * One job per id an SQL query returns (one `id` column), keyed `<task>:<id>` so adding it again
 * replaces a waiting job instead of doubling it.
 */
function keyedJobSpecs(task: string, payloadKey: string, idsQuery: RawBuilder<unknown>, maxAttempts: number): RawBuilder<unknown> {
  return sql`array(
    select json_populate_record(null::graphile_worker.job_spec, json_build_object(
      'identifier', ${task}::text,
      'payload', json_build_object(${payloadKey}::text, ids.id),
      'max_attempts', ${maxAttempts}::int,
      'job_key', ${`${task}:`}::text || ids.id
    ))
    from (${idsQuery}) as ids
  )`
}

/** Adds those jobs; the statement answers how many (`n`). */
export function addKeyedJobs(task: string, payloadKey: string, idsQuery: RawBuilder<unknown>, maxAttempts: number): RawBuilder<{ n: number }> {
  return sql<{ n: number }>`select count(*)::int as n from graphile_worker.add_jobs(${keyedJobSpecs(task, payloadKey, idsQuery, maxAttempts)})`
}

import { sql, type RawBuilder } from 'kysely'

/**
 * One graphile-worker job per id an SQL query returns (one `id` column), keyed `<task>:<id>` so
 * adding it again replaces a waiting job instead of doubling it. Built as SQL on the caller's
 * connection or transaction, so the rows and their jobs commit together.
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

import { type Kysely, sql } from 'kysely'
import type { DB, PoolStats, SlowQuery } from '../db/schema'
import { countLiveWorkers } from '../worker/heartbeats'
import { type Alert, alertsFrom } from './alerts'
import { addInto, addNamed, countOf, emptyHistogram, percentile } from './latency'
import { REPORT_INTERVAL_MS } from './process-metrics'

/**
 * Everything the health page and GET /api/admin/health show, read in one go (a dozen small
 * catalogue and statistics queries in parallel; target < 200 ms at 100,000 conversations, measured by
 * `npm run bench -- health`).
 */

export type TableHealth = {
  name: string
  rows: number
  total_bytes: number
  index_bytes: number
  dead_tuples: number
  last_vacuum: Date | null
  last_autovacuum: Date | null
  last_analyze: Date | null
}
export type ProcessPool = PoolStats & { process_id: string; role: string; hostname: string; pid: number; reported_at: Date }
export type Statement = { query: string; calls: number; mean_ms: number; max_ms: number; total_ms: number }
export type RouteLatency = { route: string; count: number; p50_ms: number | null; p95_ms: number | null }
export type TaskQueue = { task: string; queued: number; running: number; failed: number }
export type Sample = { taken_at: Date; values: Record<string, number | null> }

export type DatabaseHealth = {
  database: { size_bytes: number; cache_hit_ratio: number | null; connections: number; max_connections: number }
  tables: TableHealth[]
  queries: {
    p50_ms: number | null
    p95_ms: number | null
    p99_ms: number | null
    count: number
    slow: SlowQuery[]
    statements: Statement[] | null
    source: string
  }
  pools: ProcessPool[]
  jobs: { queued: number; running: number; failed: number; by_task: TaskQueue[] }
  workers: { live: number }
  requests: RouteLatency[]
  samples: Sample[]
  alerts: Alert[]
}

/** A process that has not reported for three intervals is gone: its pool is no longer shown. */
const POOL_STALE_MS = 3 * REPORT_INTERVAL_MS

export async function readDatabaseHealth(db: Kysely<DB>): Promise<DatabaseHealth> {
  const [database, tables, processes, jobs, live, statements, samples] = await Promise.all([
    readDatabase(db),
    readTables(db),
    db
      .selectFrom('process_metrics')
      .selectAll()
      .where('reported_at', '>', sql<Date>`now() - interval '1 hour'`)
      .orderBy('role')
      .orderBy('process_id')
      .execute(),
    readJobs(db),
    countLiveWorkers(db),
    readStatements(db),
    readSamples(db),
  ])
  const now = Date.now()
  const pools = processes
    .filter((p) => now - p.reported_at.getTime() < POOL_STALE_MS)
    .map((p) => ({ process_id: p.process_id, role: p.role, hostname: p.hostname, pid: p.pid, reported_at: p.reported_at, ...p.pool }))
  const queryTimes = emptyHistogram()
  const routeTimes: Record<string, number[]> = {}
  const slow: SlowQuery[] = []
  for (const p of processes) {
    addInto(queryTimes, p.queries)
    for (const [route, histogram] of Object.entries(p.routes)) addNamed(routeTimes, route, histogram)
    slow.push(...p.slow_queries)
  }
  const requests = Object.entries(routeTimes)
    .map(([route, h]) => ({ route, count: countOf(h), p50_ms: percentile(h, 0.5), p95_ms: percentile(h, 0.95) }))
    .sort((a, b) => b.count - a.count)
  const queries = {
    p50_ms: percentile(queryTimes, 0.5),
    p95_ms: percentile(queryTimes, 0.95),
    p99_ms: percentile(queryTimes, 0.99),
    count: countOf(queryTimes),
    slow: slow.sort((a, b) => b.ms - a.ms).slice(0, 50),
    statements,
    source: statements ? 'app timings; slowest statements from pg_stat_statements' : 'app timings (pg_stat_statements is not loaded)',
  }
  const health = { database, tables, queries, pools, jobs, workers: { live }, requests, samples }
  return { ...health, alerts: alertsFrom(health) }
}

async function readDatabase(db: Kysely<DB>): Promise<DatabaseHealth['database']> {
  const { rows } = await sql<DatabaseHealth['database']>`
    select pg_database_size(current_database()) as size_bytes,
           (select sum(blks_hit)::float8 / nullif(sum(blks_hit) + sum(blks_read), 0) from pg_stat_database where datname = current_database())
             as cache_hit_ratio,
           (select count(*)::int from pg_stat_activity where datname = current_database()) as connections,
           current_setting('max_connections')::int as max_connections`.execute(db)
  return rows[0]!
}

function readTables(db: Kysely<DB>): Promise<TableHealth[]> {
  return sql<TableHealth>`
    select relname as name, n_live_tup::float8 as rows, pg_total_relation_size(relid)::float8 as total_bytes,
           pg_indexes_size(relid)::float8 as index_bytes, n_dead_tup::float8 as dead_tuples,
           last_vacuum, last_autovacuum, greatest(last_analyze, last_autoanalyze) as last_analyze
    from pg_stat_user_tables where schemaname = 'public'
    order by pg_total_relation_size(relid) desc`
    .execute(db)
    .then((r) => r.rows)
}

async function readJobs(db: Kysely<DB>): Promise<DatabaseHealth['jobs']> {
  const { rows } = await sql<TaskQueue>`
    select task_identifier as task,
           count(*) filter (where locked_at is null and attempts < max_attempts)::int as queued,
           count(*) filter (where locked_at is not null)::int as running,
           count(*) filter (where locked_at is null and attempts >= max_attempts)::int as failed
    from graphile_worker.jobs group by task_identifier order by task_identifier`.execute(db)
  const sum = (key: 'queued' | 'running' | 'failed') => rows.reduce((n, r) => n + r[key], 0)
  return { queued: sum('queued'), running: sum('running'), failed: sum('failed'), by_task: rows }
}

/**
 * The slowest statements by mean time, when pg_stat_statements is loaded (the embedded Postgres
 * preloads it; a server may not): null otherwise, and the page says so.
 */
async function readStatements(db: Kysely<DB>): Promise<Statement[] | null> {
  try {
    const { rows } = await sql<Statement>`
      select left(regexp_replace(query, '\\s+', ' ', 'g'), 400) as query, calls::float8 as calls, mean_exec_time as mean_ms,
             max_exec_time as max_ms, total_exec_time as total_ms
      from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) and calls > 0
      order by mean_exec_time desc limit 15`.execute(db)
    return rows
  } catch {
    return null
  }
}

function readSamples(db: Kysely<DB>): Promise<Sample[]> {
  return db
    .selectFrom('health_samples')
    .select(['taken_at', 'values'])
    .where('taken_at', '>', sql<Date>`now() - interval '1 hour'`)
    .orderBy('taken_at')
    .execute()
}

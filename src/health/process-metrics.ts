import { randomUUID } from 'node:crypto'
import os from 'node:os'
import { type Kysely, sql } from 'kysely'
import type pg from 'pg'
import type { DB, PoolStats, SlowQuery } from '../db/schema'
import type { Logger } from '../log'
import { RollingHistograms } from './latency'

/**
 * What this process knows about itself, reported to Postgres every few seconds so the health page
 * can show every process at once: its connection pool, and request and query latencies of the last
 * hour as histograms (which add up across processes). Recording is a few array increments per
 * request or query; the report is one upsert per process every REPORT_INTERVAL_MS.
 */

export const REPORT_INTERVAL_MS = 5_000
/** A statement slower than this is listed on the health page (SQL text only: values are never kept). */
export const SLOW_QUERY_MS = 500
const SLOW_KEPT = 50
const ALL_QUERIES = 'all'

const requests = new RollingHistograms()
const queries = new RollingHistograms()
let slow: SlowQuery[] = []

/** One request answered: `route` is the matched pattern ("GET /conversations/:id"), never the raw path. */
export function recordRequest(route: string, ms: number): void {
  requests.record(route, ms)
}

/** One statement run through Kysely (see src/db/connect.ts). */
export function recordQuery(text: string, ms: number): void {
  queries.record(ALL_QUERIES, ms)
  if (ms < SLOW_QUERY_MS) return
  slow.push({ sql: text.replace(/\s+/g, ' ').slice(0, 400), ms: Math.round(ms), at: new Date().toISOString() })
  if (slow.length > SLOW_KEPT) slow = slow.sort((a, b) => b.ms - a.ms).slice(0, SLOW_KEPT)
}

function recentSlowQueries(): SlowQuery[] {
  const hourAgo = new Date(Date.now() - 3_600_000).toISOString()
  slow = slow.filter((q) => q.at > hourAgo)
  return [...slow].sort((a, b) => b.ms - a.ms)
}

export function poolStats(pool: pg.Pool): PoolStats {
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options.max ?? 10 }
}

export type MetricsReporter = { processId: string; report: () => Promise<void>; stop: () => Promise<void> }

/** Reports this process every REPORT_INTERVAL_MS until stopped; a failed report is logged and tried again. */
export function startMetricsReporter(deps: { db: Kysely<DB>; pool: pg.Pool; log: Logger }, role: string): MetricsReporter {
  const processId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const startedAt = new Date()
  const report = async () => {
    const row = {
      role,
      pool: JSON.stringify(poolStats(deps.pool)),
      routes: JSON.stringify(requests.totals()),
      queries: JSON.stringify(queries.totals()[ALL_QUERIES] ?? []),
      slow_queries: JSON.stringify(recentSlowQueries()),
      reported_at: sql<Date>`now()`,
    }
    await deps.db
      .insertInto('process_metrics')
      .values({ process_id: processId, hostname: os.hostname(), pid: process.pid, started_at: startedAt, ...row })
      .onConflict((oc) => oc.column('process_id').doUpdateSet(row))
      .execute()
  }
  const tick = () => report().catch((err: unknown) => deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, 'metrics report failed'))
  const timer = setInterval(tick, REPORT_INTERVAL_MS)
  timer.unref()
  void tick()
  return {
    processId,
    report,
    async stop() {
      clearInterval(timer)
      await report().catch(() => undefined)
    },
  }
}

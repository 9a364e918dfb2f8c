import type { DatabaseHealth } from './database-health'
import { SLOW_QUERY_MS } from './process-metrics'

export type Alert = { code: string; severity: 'warning' | 'critical'; message: string }

export const CACHE_HIT_TARGET = 0.99
/** A backlog is "growing" when the queue rose in each of this many consecutive minutes' samples… */
const BACKLOG_RISES = 3
/** …and holds at least this many jobs (a few queued jobs rising is just work arriving). */
const BACKLOG_MIN_JOBS = 50

/** What an admin should look at now, worst first; shown in the header of every page an admin opens. */
export function alertsFrom(health: Omit<DatabaseHealth, 'alerts'>): Alert[] {
  const alerts: Alert[] = []
  if (health.workers.live === 0) {
    alerts.push({ code: 'no_live_worker', severity: 'critical', message: 'No worker is running: generation, exports and clean-up are not being done.' })
  }
  for (const pool of health.pools) {
    if (pool.waiting > 0 || (pool.total >= pool.max && pool.idle === 0)) {
      alerts.push({
        code: 'pool_exhausted',
        severity: 'critical',
        message: `The ${pool.role} process ${pool.hostname}:${pool.pid} has used all ${pool.max} database connections (${pool.waiting} requests waiting).`,
      })
    }
  }
  const ratio = health.database.cache_hit_ratio
  if (ratio !== null && ratio < CACHE_HIT_TARGET) {
    alerts.push({
      code: 'cache_hit_low',
      severity: 'warning',
      message: `Only ${(ratio * 100).toFixed(1)}% of reads come from Postgres's cache (target ${CACHE_HIT_TARGET * 100}%): shared_buffers may be too small.`,
    })
  }
  if (health.queries.slow.length > 0) {
    alerts.push({
      code: 'slow_queries',
      severity: 'warning',
      message: `${health.queries.slow.length} statement${health.queries.slow.length === 1 ? '' : 's'} took over ${SLOW_QUERY_MS} ms in the last hour.`,
    })
  }
  const queued = health.samples.slice(-(BACKLOG_RISES + 1)).map((s) => s.values.queued_jobs ?? 0)
  const rising = queued.length === BACKLOG_RISES + 1 && queued.every((n, i) => i === 0 || n > queued[i - 1]!)
  if (rising && health.jobs.queued >= BACKLOG_MIN_JOBS) {
    alerts.push({
      code: 'queue_backlog_growing',
      severity: 'warning',
      message: `The job queue has grown for ${BACKLOG_RISES} minutes (${health.jobs.queued} queued): workers are not keeping up.`,
    })
  }
  return alerts
}

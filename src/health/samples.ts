import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import { type DatabaseHealth, readDatabaseHealth } from './database-health'

/** Samples are kept this long; process reports a day after their process stopped. */
export const SAMPLES_KEPT_DAYS = 7

/** The figures charted on the health page, one value each per minute. */
export const CHARTED = {
  queued_jobs: 'Queued jobs',
  connections: 'Database connections',
  p95_request_ms: 'Request p95 (ms)',
  p95_query_ms: 'Query p95 (ms)',
  cache_hit_pct: 'Cache hit (%)',
  live_workers: 'Live workers',
} as const
export type Charted = keyof typeof CHARTED

export function sampleOf(health: Omit<DatabaseHealth, 'alerts' | 'samples'>): Record<Charted, number | null> {
  const requests = health.requests.reduce<{ n: number; p95: number | null }>((top, r) => (r.count > top.n ? { n: r.count, p95: r.p95_ms } : top), {
    n: 0,
    p95: null,
  })
  return {
    queued_jobs: health.jobs.queued,
    connections: health.database.connections,
    p95_request_ms: requests.p95,
    p95_query_ms: health.queries.p95_ms,
    cache_hit_pct: health.database.cache_hit_ratio === null ? null : Math.round(health.database.cache_hit_ratio * 10_000) / 100,
    live_workers: health.workers.live,
  }
}

/** Every minute (cron): one sample for the charts, and what is past keeping goes. */
export async function takeHealthSample(db: Kysely<DB>): Promise<void> {
  const health = await readDatabaseHealth(db)
  await db
    .insertInto('health_samples')
    .values({ values: JSON.stringify(sampleOf(health)) })
    .onConflict((oc) => oc.doNothing())
    .execute()
  await db.deleteFrom('health_samples').where('taken_at', '<', sql<Date>`now() - make_interval(days => ${SAMPLES_KEPT_DAYS})`).execute()
  await db.deleteFrom('process_metrics').where('reported_at', '<', sql<Date>`now() - interval '1 day'`).execute()
}

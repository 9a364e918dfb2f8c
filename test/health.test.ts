import { sql } from 'kysely'
import { beforeEach, describe, expect, test } from 'vitest'
import { alertsFrom } from '../src/health/alerts'
import { addInto, emptyHistogram, percentile, RollingHistograms, record } from '../src/health/latency'
import { recordRequest, startMetricsReporter } from '../src/health/process-metrics'
import { takeHealthSample } from '../src/health/samples'
import { runVacuum } from '../src/health/vacuum'
import { createLogger } from '../src/log'
import { type App, form, json, makeUser, signIn, useApp } from './helpers/app'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { countJobs } from './helpers/generation'

describe('latency histograms', () => {
  test('percentiles are read from the buckets, and histograms of several processes add up', () => {
    const a = emptyHistogram()
    for (let i = 0; i < 90; i++) record(a, 4)
    for (let i = 0; i < 10; i++) record(a, 400)
    expect(percentile(a, 0.5)).toBeGreaterThan(3)
    expect(percentile(a, 0.5)).toBeLessThanOrEqual(5)
    expect(percentile(a, 0.95)).toBeGreaterThan(300)
    expect(percentile(a, 0.95)).toBeLessThanOrEqual(500)
    const b = emptyHistogram()
    for (let i = 0; i < 900; i++) record(b, 400)
    addInto(a, b)
    expect(percentile(a, 0.5)).toBeGreaterThan(300)
    expect(percentile(emptyHistogram(), 0.5)).toBeNull()
  })

  test('a rolling window forgets the minutes that fell out of it', () => {
    const rolling = new RollingHistograms(60)
    const start = Date.UTC(2026, 10, 30, 12, 0)
    rolling.record('GET /', 10, start)
    rolling.record('GET /', 10, start + 30 * 60_000)
    expect(rolling.totals(start + 30 * 60_000)['GET /']!.reduce((x, y) => x + y)).toBe(2)
    expect(rolling.totals(start + 61 * 60_000)['GET /']!.reduce((x, y) => x + y)).toBe(1)
  })
})

describe('database health', () => {
  let database: TestDatabase
  let app: App
  let cookie: string
  const log = createLogger('silent')

  useApp('admin', (t) => ({ database, app, cookie } = t))
  beforeEach(async () => {
    await sql`truncate process_metrics, health_samples`.execute(database.db)
    await emptyJobQueue(database)
  })

  test('GET /api/admin/health reports the database, its tables, pools, queries, jobs, workers and routes', async () => {
    const reporter = startMetricsReporter({ db: database.db, pool: database.pool, log }, 'web')
    await app.request('/', { headers: { cookie } })
    recordRequest('GET /conversations/:id', 12)
    await sql`select graphile_worker.add_job('export_conversations', '{}'::json, run_at => now() + interval '1 hour')`.execute(database.db)
    await reporter.stop()
    const res = await app.request('/api/admin/health', { headers: { cookie } })
    expect(res.status).toBe(200)
    const health = await res.json()
    expect(health.database.size_bytes).toBeGreaterThan(0)
    expect(health.tables.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['conversations', 'users', 'chunks']))
    expect(health.tables[0]).toMatchObject({
      rows: expect.any(Number),
      total_bytes: expect.any(Number),
      index_bytes: expect.any(Number),
      dead_tuples: expect.any(Number),
    })
    expect(health.pools).toEqual([expect.objectContaining({ role: 'web', pid: process.pid, max: 20 })])
    expect(health.queries.count).toBeGreaterThan(0)
    expect(health.queries.p95_ms).toEqual(expect.any(Number))
    expect(health.jobs.by_task).toContainEqual({ task: 'export_conversations', queued: 1, running: 0, failed: 0 })
    expect(health.workers).toEqual({ live: 0 })
    expect(health.requests.map((r: { route: string }) => r.route)).toEqual(expect.arrayContaining(['GET /', 'GET /conversations/:id']))
    expect(health.alerts).toContainEqual(expect.objectContaining({ code: 'no_live_worker', severity: 'critical' }))
  })

  test('a process that stopped reporting drops out of the pools', async () => {
    const reporter = startMetricsReporter({ db: database.db, pool: database.pool, log }, 'worker')
    await reporter.stop()
    await database.db.updateTable('process_metrics').set({ reported_at: sql<Date>`now() - interval '1 minute'` }).execute()
    const health = await (await app.request('/api/admin/health', { headers: { cookie } })).json()
    expect(health.pools).toEqual([])
  })

  test('the page shows the figures, and the header tells admins about alerts; other roles get 403', async () => {
    const page = await app.request('/admin/health', { headers: { cookie } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Database health')
    expect(html).toContain('No worker is running')
    expect(html).toContain('<code>conversations</code>')
    const dashboard = await (await app.request('/', { headers: { cookie } })).text()
    expect(dashboard).toMatch(/<a class="header-alerts" href="\/admin\/health"[^>]*>\d+ alerts?<\/a>/)

    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    expect((await app.request('/admin/health', { headers: { cookie: viewer } })).status).toBe(403)
    expect((await app.request('/api/admin/health', { headers: { cookie: viewer } })).status).toBe(403)
    expect(await (await app.request('/', { headers: { cookie: viewer } })).text()).not.toContain('header-alerts')
  })

  test('VACUUM (ANALYZE) of a table runs as a job whose progress the page follows; an unknown table is refused', async () => {
    const res = await app.request('/admin/health/vacuum', form({ table: 'conversations' }, { cookie }))
    expect(res.status).toBe(303)
    expect(await countJobs(database, 'vacuum_table')).toBe(1)
    const run = await database.db.selectFrom('maintenance_runs').selectAll().executeTakeFirstOrThrow()
    expect(run).toMatchObject({ table_name: 'conversations', status: 'queued' })
    const queued = await (await app.request(`/admin/health/vacuum/${run.id}`, { headers: { cookie } })).text()
    expect(queued).toContain('hx-get')

    await runVacuum(database.db, run.id)
    const done = await (await app.request(`/admin/health/vacuum/${run.id}`, { headers: { cookie, accept: 'application/json' } })).json()
    expect(done).toMatchObject({ status: 'done', error: null })
    const stats = await sql<{
      analyzed: boolean
    }>`select last_analyze is not null as analyzed from pg_stat_user_tables where relname = 'conversations'`.execute(database.db)
    expect(stats.rows[0]?.analyzed).toBe(true)

    const bad = await app.request('/admin/health/vacuum', json({ table: 'users; drop table users' }, { cookie }))
    expect(bad.status).toBe(400)
    expect((await bad.json()).error.fields.table).toContain('tables listed')
    expect(await database.db.selectFrom('maintenance_runs').select('id').execute()).toHaveLength(1)
    expect((await app.request('/admin/health/vacuum/not-a-uuid', { headers: { cookie } })).status).toBe(404)
  })

  test('a sample a minute is kept for a week for the charts', async () => {
    await database.db.insertInto('health_samples').values({ taken_at: sql<Date>`now() - interval '8 days'`, values: '{}' }).execute()
    await takeHealthSample(database.db)
    const samples = await database.db.selectFrom('health_samples').selectAll().execute()
    expect(samples).toHaveLength(1)
    expect(samples[0]!.values).toMatchObject({ queued_jobs: 0, live_workers: 0, connections: expect.any(Number) })
  })
})

test('alerts: an exhausted pool, a low cache hit ratio, slow statements and a growing queue', () => {
  const at = (minute: number, queued: number) => ({ taken_at: new Date(minute * 60_000), values: { queued_jobs: queued } })
  const alerts = alertsFrom({
    database: { size_bytes: 1, cache_hit_ratio: 0.9, connections: 10, max_connections: 100 },
    tables: [],
    queries: { p50_ms: 1, p95_ms: 2, p99_ms: 3, count: 10, slow: [{ sql: 'select 1', ms: 800, at: '' }], statements: null, source: '' },
    pools: [{ process_id: 'p', role: 'web', hostname: 'h', pid: 1, total: 10, idle: 0, waiting: 4, max: 10, reported_at: new Date() }],
    jobs: { queued: 500, running: 0, failed: 0, by_task: [] },
    workers: { live: 1 },
    requests: [],
    samples: [at(1, 100), at(2, 200), at(3, 300), at(4, 500)],
  })
  expect(alerts.map((a) => a.code)).toEqual(['pool_exhausted', 'cache_hit_low', 'slow_queries', 'queue_backlog_growing'])
})

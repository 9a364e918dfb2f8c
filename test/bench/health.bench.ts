import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { startMetricsReporter } from '../../src/health/process-metrics'
import { takeHealthSample } from '../../src/health/samples'
import { createLogger } from '../../src/log'
import { benchDatabase, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 14's health figure: the database health page (every table's size and statistics, pools,
 * latency histograms, the job queue, an hour of samples) and its JSON, server time p95 on
 * 100,000 seeded conversations.
 */
const COUNT = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
const RUNS = 30

heading(`Database health (issue 14) on ${COUNT.toLocaleString('en')} conversations`)
const database = await benchDatabase()
try {
  const { app } = await seededApp(database, COUNT)
  const user = await insertUser(database.db, { email: 'admin@example.com', password: 'bench password', role: 'admin' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'read' })
  const auth = { authorization: `Bearer ${token}` }
  const reporter = startMetricsReporter({ ...database, log: createLogger('silent') }, 'web')
  for (let i = 0; i < 60; i++) await takeHealthSample(database.db)
  await reporter.report()

  for (const [label, url] of [
    ['GET /admin/health (page)', '/admin/health'],
    ['GET /api/admin/health (JSON)', '/api/admin/health'],
  ] as const) {
    const samples = await timeMany(RUNS, async () => {
      const res = await app.request(url, { headers: auth })
      await res.text()
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
    })
    report(`${label} (p50 ${percentile(samples, 50).toFixed(1)})`, percentile(samples, 95), 'ms p95', '< 200 ms')
  }
  await reporter.stop()
} finally {
  await database.close()
}

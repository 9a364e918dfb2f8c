import { runOnce } from 'graphile-worker'
import { sql } from 'kysely'
import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { loadConfig } from '../../src/config'
import { createLogger } from '../../src/log'
import { workerLogger } from '../../src/worker/logger'
import { taskList } from '../../tasks'
import { benchDatabase, explainQuery, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 15's Recovery page on 100,000 seeded conversations, 10,000 of them failed with one code and a
 * running batch stuck: the page and its JSON (server time p95, and the plan of the slowest query),
 * how fast "retry all" answers for the 10,000, and how long its job takes to requeue them.
 */
const COUNT = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
const FAILED = 10_000
const RUNS = 30

heading(`Recovery (issue 15) on ${COUNT.toLocaleString('en')} conversations, ${FAILED.toLocaleString('en')} failed with one code`)
const database = await benchDatabase()
try {
  const { app, recorder } = await seededApp(database, COUNT)
  await sql`update conversations set status = 'failed', error_code = 'overloaded'
    where id in (select id from conversations where status = 'pending_review' order by id limit ${FAILED})`.execute(database.db)
  // One batch stuck: running, a few conversations queued, nothing finished for an hour.
  await sql`update batches set status = 'running', updated_at = now() - interval '1 hour' where id = (select id from batches order by id limit 1)`.execute(
    database.db,
  )
  await sql`update conversations set updated_at = now() - interval '1 hour' where batch_id = (select id from batches where status = 'running')`.execute(
    database.db,
  )
  await sql`update conversations set status = 'queued' where id in (
    select id from conversations where batch_id = (select id from batches where status = 'running') and status = 'approved' limit 20)`.execute(database.db)
  await database.pool.query('vacuum analyze conversations')

  const user = await insertUser(database.db, { email: 'editor@example.com', password: 'bench password', role: 'editor' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'write' })
  const auth = { authorization: `Bearer ${token}` }

  for (const [label, url] of [
    ['GET /recovery (page)', '/recovery'],
    ['GET /api/recovery (JSON)', '/api/recovery'],
  ] as const) {
    let slowest = { ms: 0, queries: recorder.queries }
    const samples = await timeMany(RUNS, async () => {
      recorder.queries = []
      const t0 = performance.now()
      const res = await app.request(url, { headers: auth })
      await res.text()
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
      if (performance.now() - t0 > slowest.ms) slowest = { ms: performance.now() - t0, queries: recorder.queries }
    })
    report(`${label} (p50 ${percentile(samples, 50).toFixed(1)})`, percentile(samples, 95), 'ms p95')
    const worst = [...slowest.queries].sort((a, b) => b.ms - a.ms)[0]
    if (worst) console.log(`    slowest query: ${await explainQuery(database, worst)}`)
  }

  const answers = await timeMany(10, async () => {
    const res = await app.request('/api/recovery/retry', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'overloaded' }),
    })
    const body = (await res.json()) as { queued: number }
    if (res.status !== 202 || body.queued !== FAILED) throw new Error(`retry answered ${res.status} ${JSON.stringify(body)}`)
  })
  report(`POST /api/recovery/retry for ${FAILED.toLocaleString('en')} (answer)`, percentile(answers, 95), 'ms p95', 'answers at once')

  const deps = { db: database.db, pool: database.pool, log: createLogger('silent'), config: loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }) }
  const started = performance.now()
  await runOnce({ pgPool: database.pool, logger: workerLogger(deps.log), taskList: { retry_failed: taskList(deps).retry_failed! } })
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from conversations where status = 'failed' and error_code = 'overloaded'`.execute(
    database.db,
  )
  if (rows[0]!.n !== 0) throw new Error(`${rows[0]!.n} still failed after the retry job`)
  report(`the retry_failed jobs requeue all ${FAILED.toLocaleString('en')}`, (performance.now() - started) / 1000, 's')
} finally {
  await database.close()
}

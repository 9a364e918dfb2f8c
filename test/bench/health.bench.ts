import { digest } from '../../src/auth/secrets'
import { createSession, findSessionUser } from '../../src/auth/sessions'
import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { connect } from '../../src/db/connect'
import { activeAiSettings, changeAiSettings } from '../../src/generation/ai-settings'
import { startMetricsReporter } from '../../src/health/process-metrics'
import { takeHealthSample } from '../../src/health/samples'
import { createLogger } from '../../src/log'
import { benchDatabase, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 14's figures on 100,000 seeded conversations: the database health page (every table's size
 * and statistics, pools, latency histograms, the job queue, an hour of samples) and its JSON, server
 * time p95; what reading a user's preferences (and unread count) with the session adds to a page;
 * and how soon a change of the AI settings reaches another process (a worker).
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

  heading('Preferences: read with the session itself')
  const secret = await createSession(database.db, user!.id, 3_600_000, { ip: null, userAgent: null })
  await database.db
    .insertInto('user_preferences')
    .values({ user_id: user!.id, settings: JSON.stringify({ theme: 'dark', rows_per_page: 20 }) })
    .execute()
  const bare = await timeMany(RUNS * 10, () =>
    database.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email', 'users.role'])
      .where('sessions.id', '=', digest(secret))
      .executeTakeFirst(),
  )
  const withPreferences = await timeMany(RUNS * 10, () => findSessionUser(database.db, secret, 3_600_000))
  report(`session lookup alone (p50 ${percentile(bare, 50).toFixed(2)})`, percentile(bare, 95), 'ms p95')
  report(`with preferences and unread count (p50 ${percentile(withPreferences, 50).toFixed(2)})`, percentile(withPreferences, 95), 'ms p95')
  report('added to every page', Math.max(0, percentile(withPreferences, 50) - percentile(bare, 50)), 'ms (p50 difference)', '< 1 ms')

  heading('AI settings: a change reaches another process')
  const worker = connect(database.url, createLogger('silent'), 2)
  try {
    const before = await activeAiSettings(worker.db)
    const started = performance.now()
    await changeAiSettings(database.db, user!.id, { max_tokens: before.max_tokens + 1 })
    while ((await activeAiSettings(worker.db)).max_tokens !== before.max_tokens + 1) await new Promise((r) => setTimeout(r, 20))
    report('until a worker process reads the new settings', performance.now() - started, 'ms', '< 5 s')
  } finally {
    await worker.db.destroy()
  }
} finally {
  await database.close()
}

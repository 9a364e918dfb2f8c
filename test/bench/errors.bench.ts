import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { benchDatabase, explainQuery, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 15's figure: the error log page at 100,000 entries, server time p95, for its first page,
 * filtered (a common code, a rare severity, an area and dates), searched (a common word, a rare one, a
 * reference), and its JSON. Target < 50 ms each.
 */
const COUNT = Number(process.env.BENCH_ERRORS ?? 100_000)
const RUNS = 40

heading(`Error log (issue 15) on ${COUNT.toLocaleString('en')} entries`)
const database = await benchDatabase()
try {
  const { app, recorder } = await seededApp(database, 0)
  const started = performance.now()
  // A month of entries: mostly failed requests and jobs, some generations and exports, a few critical.
  await database.pool.query(
    `insert into error_logs (reference, code, severity, area, message, stack, context, created_at)
     select 'E-' || translate(upper(substr(md5(g::text), 1, 8)), '01', 'XY'), k.code, case when g % 500 = 0 then 'critical' else k.severity end, k.area,
       k.message || ' (' || g || ')', 'Error: ' || k.message || E'\\n    at somewhere (file.ts:1:1)',
       jsonb_build_object('route', '/api/conversations', 'method', 'GET', 'status', 500, 'job_id', g::text),
       now() - (g * interval '26 seconds')
     from generate_series(1, $1::int) g
     cross join lateral (select * from (values
       (0, 'internal_error', 'error', 'request', 'Cannot read properties of undefined (reading title)'),
       (1, 'job_failed', 'error', 'jobs', 'The ingest_document job failed for good after 25 attempt(s): file not found'),
       (2, 'retry_budget_exhausted', 'error', 'generation', 'Claude is overloaded right now. Gave up after 9 attempt(s) over 30 minute(s)'),
       (3, 'export_failed', 'error', 'export', 'The disk holding /data/exports is full (ENOSPC); no file was kept'),
       (4, 'service_unavailable', 'error', 'database', 'The service is not ready')
     ) as v(n, code, severity, area, message) where v.n = g % 5) k
     on conflict (reference) do nothing`,
    [COUNT],
  )
  await database.pool.query('vacuum analyze error_logs')
  console.log(`  (seeded in ${((performance.now() - started) / 1000).toFixed(1)} s, then VACUUM ANALYZE)`)
  const { rows } = await database.pool.query<{ reference: string }>('select reference from error_logs order by created_at limit 1 offset 5000')
  const reference = rows[0]!.reference

  const user = await insertUser(database.db, { email: 'admin@example.com', password: 'bench password', role: 'admin' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'read' })
  const auth = { authorization: `Bearer ${token}` }
  const week = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)
  const fortnight = new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10)

  for (const [label, url] of [
    ['first page', '/admin/errors'],
    ['code filter (a fifth of the log)', '/admin/errors?code=job_failed'],
    ['severity filter (rare: critical)', '/admin/errors?severity=critical'],
    ['area and date range', `/admin/errors?area=export&from=${fortnight}&to=${week}`],
    ['search, a common word', '/admin/errors?q=overloaded'],
    ['search, a rare word', '/admin/errors?q=77777'],
    ['search, a reference', `/admin/errors?q=${reference}`],
    ['JSON, code and search', '/api/admin/errors?code=export_failed&q=disk'],
  ] as const) {
    const samples = await timeMany(RUNS, async () => {
      const res = await app.request(url, { headers: auth })
      await res.text()
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
    })
    report(`GET ${label} (p50 ${percentile(samples, 50).toFixed(1)})`, percentile(samples, 95), 'ms p95', '< 50 ms')
    const listing = recorder.queries.findLast((q) => q.query.sql.includes('from "error_logs"'))
    if (listing) console.log(`    ${await explainQuery(database, listing)}`)
  }
} finally {
  await database.close()
}

import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { benchDatabase, type CapturedQuery, explainQuery, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 16's charts on 100,000 seeded conversations (three months of them, with their review
 * history): server time p95 of each chart's JSON (the queries and nothing else to render), then an
 * EXPLAIN ANALYZE line for every query of each one's slowest run, so a regression names the index
 * it lost. Target: each chart query under 50 ms p95.
 */
const COUNT = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
const RUNS = 30

heading(`Charts (issue 16) on ${COUNT.toLocaleString('en')} conversations`)
const database = await benchDatabase()
try {
  const { app, recorder } = await seededApp(database, COUNT)
  await database.pool.query('vacuum analyze review_actions')
  const user = await insertUser(database.db, { email: 'bench@example.com', password: 'bench password', role: 'viewer' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'read' })
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' }
  const first = async (table: 'templates' | 'batches') => (await database.pool.query(`select id from ${table} order by id limit 1`)).rows[0].id as string
  const [templateId, batchId] = [await first('templates'), await first('batches')]
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)

  const slowest: { label: string; queries: CapturedQuery[] }[] = []
  async function measure(label: string, url: string): Promise<void> {
    let worst: { ms: number; queries: CapturedQuery[] } = { ms: -1, queries: [] }
    const samples = await timeMany(RUNS, async () => {
      recorder.queries = []
      const t0 = performance.now()
      const res = await app.request(url, { headers })
      await res.text()
      const ms = performance.now() - t0
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
      if (ms > worst.ms) worst = { ms, queries: recorder.queries }
    })
    report(`${label} (p50 ${percentile(samples, 50).toFixed(1)})`, percentile(samples, 95), 'ms p95', '< 50 ms')
    slowest.push({ label, queries: worst.queries })
  }

  heading('Quality page (JSON: its tables and the charts)')
  await measure('GET /review/quality (last 30 days)', '/review/quality')
  await measure('GET /review/quality, 90 days', `/review/quality?from=${daysAgo(89)}`)
  await measure('GET /review/quality, one template, 30 days', `/review/quality?template_id=${templateId}`)
  heading('Dashboard: conversations and spend per day')
  await measure('GET /conversations/daily (last 30 days)', '/conversations/daily')
  await measure('GET /conversations/daily, 90 days', `/conversations/daily?created_from=${daysAgo(89)}`)
  await measure('GET /conversations/daily, template + approved', `/conversations/daily?template_id=${templateId}&status=approved`)
  heading('Batch throughput (a batch of 20,000)')
  await measure('GET /batches/:id/throughput', `/batches/${batchId}/throughput`)
  heading('Coverage')
  await measure('GET /coverage (every conversation)', '/coverage')
  await measure('GET /coverage, one template and topic', `/coverage?template_id=${templateId}&topic=refund+request`)

  heading('EXPLAIN ANALYZE of every chart query in the slowest run of each')
  for (const { label, queries } of slowest) {
    for (const query of queries.filter((q) => /conversations|review_|_counts/.test(q.query.sql) && !/from "(users|sessions|api_tokens)"/.test(q.query.sql))) {
      console.log(`  ${label}: ${await explainQuery(database, query)}`)
    }
  }
} finally {
  await database.close()
}

import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { benchDatabase, type CapturedQuery, explainQuery, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 5's dashboard figures on 100,000 seeded conversations (~8 turns each): server time
 * (app.request on the real database, HTML rendered) p95 for the first page, each single filter,
 * each sort, combinations, full-text search and page 200 by keyset; then an EXPLAIN ANALYZE line
 * for the slowest query of each kind, so a regression names the index it lost.
 */
const COUNT = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
const RUNS = 30

heading(`Dashboard (issue 5) on ${COUNT.toLocaleString('en')} conversations`)
const database = await benchDatabase()
try {
  const { app, recorder } = await seededApp(database, COUNT)
  const user = await insertUser(database.db, { email: 'bench@example.com', password: 'bench password', role: 'reviewer' })
  const { token } = await createApiToken(database.db, user!.id, { name: 'bench', scope: 'read' })
  const auth = { authorization: `Bearer ${token}` }
  const htmx = { ...auth, 'hx-request': 'true' }

  const ids = async (table: 'templates' | 'batches' | 'scenarios') =>
    (await database.pool.query(`select id from ${table} order by id limit 1`)).rows[0].id as string
  const [templateId, batchId, scenarioId] = [await ids('templates'), await ids('batches'), await ids('scenarios')]
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)

  type Slowest = { label: string; queries: CapturedQuery[]; p95: number }
  const slowestOf: Record<string, Slowest> = {}

  /** p95 of GET url (server time), remembering the queries of its slowest run for EXPLAIN. */
  async function measure(kind: string, label: string, url: string, headers: Record<string, string>, target?: string): Promise<number> {
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
    const p95 = percentile(samples, 95)
    report(`${label} (p50 ${percentile(samples, 50).toFixed(1)})`, p95, 'ms p95', target)
    if (!slowestOf[kind] || p95 > slowestOf[kind].p95) slowestOf[kind] = { label, queries: worst.queries, p95 }
    return p95
  }

  heading('First page')
  await measure('first page', 'GET / (whole page: filters, table, 50 rows)', '/', auth, '< 50 ms')
  await measure('summary', 'GET /conversations/summary (cards + row count, loaded after)', '/conversations/summary', htmx)

  heading('Single filters (results fragment, as the filter form fetches it)')
  const filters: [string, string][] = [
    ['status=pending_review', 'status=pending_review'],
    ['status=failed (3%)', 'status=failed'],
    ['status=approved,rejected', 'status=approved&status=rejected'],
    ['tier=T3', 'tier=T3'],
    ['template_id', `template_id=${templateId}`],
    ['scenario_id', `scenario_id=${scenarioId}`],
    ['batch_id', `batch_id=${batchId}`],
    ['quality_min=9', 'quality_min=9'],
    ['quality 2–4', 'quality_min=2&quality_max=4'],
    ['created in the last 7 days', `created_from=${daysAgo(7)}`],
    ['created before 80 days ago', `created_to=${daysAgo(80)}`],
    ['persona', 'persona=travel+blogger'],
    ['emotion', 'emotion=angry'],
    ['topic', 'topic=refund+request'],
    ['simulated=false (none match)', 'simulated=false'],
    ['document_id (source filter)', `document_id=${crypto.randomUUID()}`],
    ['chunk_id (source filter)', `chunk_id=${crypto.randomUUID()}`],
    ['grounded=true', 'grounded=true'],
    ['grounded=false', 'grounded=false'],
    ['orphaned=true', 'orphaned=true'],
  ]
  for (const [label, query] of filters) await measure('filter', label, `/?${query}`, htmx, '< 100 ms')

  heading('Sorts')
  for (const sort of ['created_desc', 'created_asc', 'quality_desc', 'quality_asc', 'updated_desc', 'updated_asc', 'title_asc', 'title_desc']) {
    await measure('sort', `sort=${sort}`, `/?sort=${sort}`, htmx, '< 100 ms')
  }

  heading('Combinations')
  const combos: [string, string][] = [
    ['approved + T2 + quality ≥ 8 + angry, by quality', 'status=approved&tier=T2&quality_min=8&emotion=angry&sort=quality_desc'],
    ['pending/needs revision + template, by updated', `status=pending_review&status=needs_revision&template_id=${templateId}&sort=updated_desc`],
    ['rejected + last 30 days + persona, by title', `status=rejected&created_from=${daysAgo(30)}&persona=travel+blogger&sort=title_asc`],
    ['draft + T3 + calm + batch, oldest first (few match)', `status=draft&tier=T3&emotion=calm&batch_id=${batchId}&sort=created_asc`],
  ]
  for (const [label, query] of combos) await measure('combination', label, `/?${query}`, htmx, '< 100 ms')

  heading('Full-text search (with highlighted titles and snippets)')
  const searches: [string, string][] = [
    ['q=refund (10% match)', 'q=refund'],
    ['q=help (most match)', 'q=help'],
    ['q="order number" -refund', `q=${encodeURIComponent('"order number" -refund')}`],
    ['q=password reset, by quality', 'q=password+reset&sort=quality_desc'],
    ['q=refund + status=rejected', 'q=refund&status=rejected'],
    ['q=kettle (no match)', 'q=kettle'],
    ['q=foo & | ! ( (syntax characters)', `q=${encodeURIComponent('foo & | ! (')}`],
  ]
  for (const [label, query] of searches) await measure('search', label, `/?${query}`, htmx, '< 100 ms')

  heading('Keyset paging')
  for (const sort of ['created_desc', 'title_asc']) {
    let cursor: string | null = null
    for (let page = 1; page < 200; page++) {
      const res = await app.request(`/api/conversations?sort=${sort}&limit=50${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth })
      cursor = ((await res.json()) as { next_cursor: string | null }).next_cursor
    }
    await measure(
      'page 200',
      `page 200 (rows 9,951–10,000), sort=${sort}, "load more" fragment`,
      `/conversations/rows?sort=${sort}&cursor=${cursor}`,
      htmx,
      '< 50 ms',
    )
  }

  heading('EXPLAIN ANALYZE of the slowest query in the slowest request of each kind')
  for (const [kind, slowest] of Object.entries(slowestOf)) {
    const query = slowest.queries.filter((q) => /from "conversations"/.test(q.query.sql)).sort((a, b) => b.ms - a.ms)[0]
    if (!query) continue
    console.log(`  ${kind.padEnd(12)} ${slowest.label}: ${await explainQuery(database, query)}`)
  }
} finally {
  await database.close()
}

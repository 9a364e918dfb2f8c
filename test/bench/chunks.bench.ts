import { Kysely, PostgresDialect, sql } from 'kysely'
import { type ChunkListQuery, chunkFilter, listChunks } from '../../src/chunks/queries'
import type { DB } from '../../src/db/schema'
import { CHUNKS_PER_DOCUMENT, seedDocuments } from '../../src/documents/seed'
import { benchDatabase, type CapturedQuery, explainQuery, heading, percentile, report, timeMany } from './support'

/**
 * Issue 13's chunk figures on 100,000 chunks: the documents seed (`npm run seed -- --documents
 * 2000`: 2,000 documents of 50 chunks, passages of support text with the simulator's dimension
 * analysis, three in four analysed). Then p95 of the chunk list's queries (GET /api/chunks without
 * the HTTP layer) for full-text searches and filtered lists, each with how many chunks match, and
 * EXPLAIN ANALYZE of the slowest of each kind, so a regression names the index it lost.
 */
const DOCUMENTS = Number(process.env.BENCH_CHUNKS ?? 100_000) / CHUNKS_PER_DOCUMENT
const RUNS = 40

heading(`Chunks (issue 13) on ${(DOCUMENTS * CHUNKS_PER_DOCUMENT).toLocaleString('en')} chunks`)
const database = await benchDatabase()
try {
  const seeded = await seedDocuments(database.db, { count: DOCUMENTS })
  await database.pool.query('vacuum analyze documents, chunks')
  console.log(`  (seeded ${seeded.documents.toLocaleString('en')} documents in ${(seeded.ms / 1000).toFixed(1)} s, then VACUUM ANALYZE as autovacuum would)`)

  const recorder: { queries: CapturedQuery[] } = { queries: [] }
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: database.pool }),
    log: (event) => {
      if (event.level === 'query') recorder.queries.push({ query: event.query, ms: event.queryDurationMillis })
    },
  })
  const documentId = (await database.pool.query('select id from documents order by created_at desc limit 1')).rows[0].id as string

  type Slowest = { label: string; queries: CapturedQuery[]; p95: number }
  const slowestOf: Record<string, Slowest> = {}

  /** p95 of one list request's work, remembering the queries of its slowest run for EXPLAIN. */
  async function measure(kind: string, label: string, query: Partial<ChunkListQuery>, target: string): Promise<void> {
    let worst: { ms: number; queries: CapturedQuery[] } = { ms: -1, queries: [] }
    let found = 0
    const samples = await timeMany(RUNS, async () => {
      recorder.queries = []
      const t = performance.now()
      const page = await listChunks(db, query)
      const ms = performance.now() - t
      found = page.items.length
      if (ms > worst.ms) worst = { ms, queries: recorder.queries }
    })
    const p95 = percentile(samples, 95)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from chunks c where ${chunkFilter(query)}`.execute(database.db)
    report(`${label} [${found} of ${rows[0]!.n.toLocaleString('en')}] (p50 ${percentile(samples, 50).toFixed(1)})`, p95, 'ms p95', target)
    if (!slowestOf[kind] || p95 > slowestOf[kind].p95) slowestOf[kind] = { label, queries: worst.queries, p95 }
    const slowestQuery = [...worst.queries].sort((a, b) => b.ms - a.ms)[0]
    if (process.env.BENCH_EXPLAIN_ALL && slowestQuery) console.log(`      ${await explainQuery(database, slowestQuery)}`)
  }

  heading('Full-text search (first page of 50, newest first)')
  // Words from the seed's text: topic words are common, brand names (Zotar) rare, and
  // "customers days" is a phrase that never occurs although half the chunks have both words.
  await measure('search', 'q=refund (a common word)', { q: 'refund' }, '< 30 ms')
  await measure('search', 'q=delivery address (two common words)', { q: 'delivery address' }, '< 30 ms')
  await measure('search', 'q="tracking link" (a phrase)', { q: '"tracking link"' }, '< 30 ms')
  await measure('search', 'q="customers days" (common words, no such phrase)', { q: '"customers days"' }, '< 30 ms')
  await measure('search', 'q=Zotar (a rare brand)', { q: 'Zotar' }, '< 30 ms')
  await measure('search', 'q=unicorn (no match)', { q: 'unicorn' }, '< 30 ms')
  await measure('search', 'q=refund & persona=support_agent', { q: 'refund', persona: 'support_agent' }, '< 30 ms')
  await measure('search', 'q=Zotar & one document', { q: 'Zotar', document_id: documentId }, '< 30 ms')

  heading('Filtered lists (first page of 50)')
  await measure('filter', 'no filter', {}, '< 10 ms')
  await measure('filter', 'document_id (reading order)', { document_id: documentId }, '< 10 ms')
  await measure('filter', 'persona=developer', { persona: 'developer' }, '< 10 ms')
  await measure('filter', 'emotion=angry', { emotion: 'angry' }, '< 10 ms')
  await measure('filter', 'topic=billing', { topic: 'billing' }, '< 10 ms')
  await measure('filter', 'complexity 4–5', { complexity_min: 4, complexity_max: 5 }, '< 10 ms')
  await measure('filter', 'analyzed=false', { analyzed: false }, '< 10 ms')
  await measure(
    'filter',
    'persona & emotion & topic & complexity',
    { persona: 'customer', emotion: 'skeptical', topic: 'billing', complexity_min: 4 },
    '< 10 ms',
  )

  heading('EXPLAIN ANALYZE of the slowest query of each kind')
  for (const [kind, slowest] of Object.entries(slowestOf)) {
    const query = slowest.queries.sort((a, b) => b.ms - a.ms)[0]
    if (query) console.log(`  ${kind}: ${slowest.label}: ${await explainQuery(database, query)}`)
  }
} finally {
  await database.close()
}

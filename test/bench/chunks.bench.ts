import { Kysely, PostgresDialect } from 'kysely'
import { listChunks, type ChunkListQuery } from '../../src/chunks/queries'
import { dimensionsIn } from '../../src/chunks/dimensions'
import type { DB } from '../../src/db/schema'
import { benchDatabase, explainQuery, heading, percentile, report, timeMany, type CapturedQuery } from './support'

/**
 * Issue 13's chunk figures on 100,000 chunks (in 200 documents, ~70% analysed): p95 of the chunk
 * list's queries (GET /api/chunks without the HTTP layer) for full-text searches and for filtered
 * lists, then EXPLAIN ANALYZE of the slowest of each kind, so a regression names the index it lost.
 */
const COUNT = Number(process.env.BENCH_CHUNKS ?? 100_000)
const DOCUMENTS = 200
const RUNS = 40

const WORDS = (
  'refund order delivery account password invoice customer support policy return label warranty shipping payment card ' +
  'subscription plan upgrade cancel update device network error setting team manager request within days after before ' +
  'the a to of and for with your our we you can must may claim premium cover patient clinic loan interest transfer'
).split(' ')
const names = (group: 'persona' | 'emotion' | 'topic') => dimensionsIn(group).map((d) => d.name)

heading(`Chunks (issue 13) on ${COUNT.toLocaleString('en')} chunks`)
const database = await benchDatabase()
try {
  const t0 = performance.now()
  // Everything in SQL: documents, then chunks of 40–120 random words (one chunk in a thousand
  // mentions a zeppelin, for a rare search), analysed but for every third-ish, with 1–3 personas,
  // emotions and topics picked from the row number and a complexity from 1 to 10.
  await database.pool.query(
    `insert into documents (title, format, bytes, sha256, status, chunk_count, chunk_options, created_at)
     select 'Document ' || d, 'text', 100000, md5(d::text), 'ready', $1::int / $2::int, '{"max_tokens":512,"overlap_tokens":64,"by_headings":true}',
            now() - (d || ' minutes')::interval
     from generate_series(1, $2::int) d`,
    [COUNT, DOCUMENTS],
  )
  await database.pool.query(
    `with docs as (select id, created_at, row_number() over (order by created_at) as n from documents),
     rows as (
       select g, docs.id as document_id, docs.created_at, (g - 1) / $2::int as ordinal,
              (select string_agg(($3::text[])[1 + floor(random() * array_length($3::text[], 1))::int], ' ')
                 from generate_series(1, 40 + (g * 7919) % 80) w where g > 0)
              || case when g % 1000 = 7 then ' zeppelin' else '' end as text,
              array[($4::text[])[1 + g % 10], ($4::text[])[1 + (g / 10) % 10]] as personas,
              array[($5::text[])[1 + (g / 3) % 10]] as emotions,
              array[($6::text[])[1 + g % 14], ($6::text[])[1 + (g / 14) % 14], ($6::text[])[1 + (g / 7) % 14]] as topics,
              (g % 10 + 1)::smallint as complexity,
              g % 3 <> 0 as analysed
       from generate_series(1, $1::int) g
       join docs on docs.n = 1 + (g - 1) % ${DOCUMENTS}
     )
     insert into chunks (document_id, ordinal, heading_path, text, tokens, char_start, char_end, personas, emotions, topics, complexity, analyzed_at, dimension_source, created_at)
     select document_id, ordinal, array['Part ' || (ordinal / 20 + 1), 'Section ' || ordinal], text, length(text) / 4, 0, length(text),
            case when analysed then array(select distinct unnest(personas)) else '{}' end,
            case when analysed then emotions else '{}' end,
            case when analysed then array(select distinct unnest(topics)) else '{}' end,
            case when analysed then complexity end,
            case when analysed then now() end,
            case when analysed then jsonb_build_object(
              'personas', (select jsonb_agg(distinct jsonb_build_object('name', p, 'confidence', 0.6)) from unnest(personas) p),
              'emotions', (select jsonb_agg(jsonb_build_object('name', e, 'confidence', 0.5)) from unnest(emotions) e),
              'topics', (select jsonb_agg(distinct jsonb_build_object('name', t, 'confidence', 0.55)) from unnest(topics) t),
              'complexity', complexity) end,
            created_at
     from rows`,
    [COUNT, DOCUMENTS, WORDS, names('persona'), names('emotion'), names('topic')],
  )
  await database.pool.query('vacuum analyze documents, chunks')
  console.log(`  (seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s, then VACUUM ANALYZE as autovacuum would)`)

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
    report(`${label} [${found} on the page] (p50 ${percentile(samples, 50).toFixed(1)})`, p95, 'ms p95', target)
    if (!slowestOf[kind] || p95 > slowestOf[kind].p95) slowestOf[kind] = { label, queries: worst.queries, p95 }
    const slowestQuery = [...worst.queries].sort((a, b) => b.ms - a.ms)[0]
    if (process.env.BENCH_EXPLAIN_ALL && slowestQuery) console.log(`      ${await explainQuery(database, slowestQuery)}`)
  }

  heading('Full-text search (first page of 50, newest first)')
  await measure('search', 'q=refund (a common word)', { q: 'refund' }, '< 30 ms')
  await measure('search', 'q=refund invoice (two common words)', { q: 'refund invoice' }, '< 30 ms')
  await measure('search', 'q="patient clinic" (a phrase)', { q: '"patient clinic"' }, '< 30 ms')
  await measure('search', 'q="loan refund cover" (common words, a rare phrase)', { q: '"loan refund cover"' }, '< 30 ms')
  await measure('search', 'q=zeppelin (one chunk in a thousand)', { q: 'zeppelin' }, '< 30 ms')
  await measure('search', 'q=unicorn (no match)', { q: 'unicorn' }, '< 30 ms')
  await measure('search', 'q=refund & persona=developer', { q: 'refund', persona: 'developer' }, '< 30 ms')
  await measure('search', 'q=zeppelin & one document', { q: 'zeppelin', document_id: documentId }, '< 30 ms')

  heading('Filtered lists (first page of 50)')
  await measure('filter', 'no filter', {}, '< 10 ms')
  await measure('filter', 'document_id (reading order)', { document_id: documentId }, '< 10 ms')
  await measure('filter', 'persona=developer', { persona: 'developer' }, '< 10 ms')
  await measure('filter', 'emotion=angry', { emotion: 'angry' }, '< 10 ms')
  await measure('filter', 'topic=billing', { topic: 'billing' }, '< 10 ms')
  await measure('filter', 'complexity 8–10', { complexity_min: 8, complexity_max: 10 }, '< 10 ms')
  await measure('filter', 'analyzed=false', { analyzed: false }, '< 10 ms')
  await measure('filter', 'persona & emotion & topic & complexity', { persona: 'developer', emotion: 'angry', topic: 'billing', complexity_min: 5 }, '< 10 ms')

  heading('EXPLAIN ANALYZE of the slowest query of each kind')
  for (const [kind, slowest] of Object.entries(slowestOf)) {
    const query = slowest.queries.sort((a, b) => b.ms - a.ms)[0]
    if (query) console.log(`  ${kind}: ${slowest.label}: ${await explainQuery(database, query)}`)
  }
} finally {
  await database.close()
}

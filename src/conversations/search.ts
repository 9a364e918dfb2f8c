import { type Explainable, type Kysely, type RawBuilder, sql } from 'kysely'
import { cachedRead } from '../db/cached-read'
import type { DB } from '../db/schema'
import type { ConversationRow } from './list'

/**
 * Full-text search over the conversation list: how far the first step of a search reads (see
 * listConversations) and the highlighting of matches in the rows of a page.
 */

/** What the planner expects a query to return (EXPLAIN's top row count) and the table's rows, cached a minute. */
const tableRows = cachedRead(60_000, async (db) => {
  const { rows } = await sql<{ n: string }>`select greatest(reltuples, 0)::bigint as n from pg_class where oid = 'conversations'::regclass`.execute(db)
  return Number(rows[0]?.n ?? 0)
})

/**
 * How many rows in sort order a search reads before asking the GIN index for the rest (0: go to
 * the GIN index at once), from the planner's estimate of the matches (it keeps statistics of the
 * words). Walking the sort's index costs some 3 µs a row and stops once the page is full, after
 * rows × page / matches rows when matches are spread evenly; the GIN index hands over every match
 * at some 6 µs each and they are then sorted. So the walk is taken when it is expected to be the
 * cheaper, and allowed to go on until it has cost what the GIN step would have (2 × matches
 * rows): matches bunched away from the top of the list (a topic generated months ago) are still
 * found by walking. A fixed window of 1,000 rows sent such searches ("upgrade": 100,000 matches in
 * 1,000,000, none among the newest 1,000) to the GIN index: 600 ms instead of 6.
 */
export async function searchWindow(db: Kysely<DB>, matching: Explainable, page: number): Promise<number> {
  const [rows, plan] = await Promise.all([tableRows.get(db), matching.explain<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>('json')])
  const matches = plan[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0
  if (matches < 1 || rows < 1) return 0
  const walk = (page * rows) / matches
  return walk <= 2 * matches ? Math.ceil(2 * matches) : 0
}

/** Marks the search terms in the page's titles and a snippet of their turns (for this page's rows only). */
export async function addHighlights(db: Kysely<DB>, items: ConversationRow[], q: string): Promise<void> {
  // \u0002 and \u0003 cannot be typed into a form; they are stripped from the text first, so only
  // ts_headline's markers remain and the view turns them into <mark> elements.
  const clean = (text: RawBuilder<string>) => sql`translate(${text}, E'\\u0002\\u0003', '')`
  const options = 'StartSel=\u0002, StopSel=\u0003, HighlightAll=true'
  const snippetOptions = 'StartSel=\u0002, StopSel=\u0003, MaxWords=18, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'
  const rows = await db
    .selectFrom('conversations')
    .select([
      'id',
      sql<string>`ts_headline('english', ${clean(sql`title`)}, websearch_to_tsquery('english', ${q}), ${options})`.as('title'),
      sql<string>`ts_headline('english', ${clean(sql`(select coalesce(string_agg(t->>'content', ' '), '') from jsonb_array_elements(turns) t)`)}, websearch_to_tsquery('english', ${q}), ${snippetOptions})`.as(
        'snippet',
      ),
    ])
    .where(
      'id',
      'in',
      items.map((i) => i.id),
    )
    .execute()
  const byId = new Map(rows.map((r) => [r.id, r]))
  for (const item of items) {
    const found = byId.get(item.id)
    if (found) item.highlight = { title: found.title, snippet: found.snippet }
  }
}

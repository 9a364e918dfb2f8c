import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { DB } from '../db/schema'
import type { ConversationRow } from './list'

/**
 * Full-text search over the conversation list: how far the first step of a search reads (see
 * listConversations) and the highlighting of matches in the rows of a page.
 */

/** How many rows in sort order a search checks before asking the GIN index for the rest. */
export const SEARCH_WINDOW = 1000

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

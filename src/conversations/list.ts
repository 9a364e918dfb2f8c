import { type Kysely, type QueryCreator, sql } from 'kysely'
import { z } from 'zod'
import type { ChunkContext, ConversationStatus, DB, Tier } from '../db/schema'
import { keysetPage } from '../http/cursor'
import { optionalField } from '../http/params'
import { type ConversationFilter, checkFilter, FILTER_FIELDS, listedConversations } from './filter'
import { addHighlights, searchWindow } from './search'
import { DEFAULT_SORT, decodeCursor, encodeCursor, SORTS, type Sort, sortParts } from './sort'

/** What the list accepts: the filter plus sort, cursor and page size (from the query string or JSON). */
export const ListQuery = z
  .object({
    ...FILTER_FIELDS,
    sort: optionalField(z.enum(SORTS, { error: `must be one of ${SORTS.join(', ')}` })),
    cursor: optionalField(z.string().max(20_000)),
    limit: optionalField(
      z.coerce
        .number({ error: 'must be a whole number from 1 to 500' })
        .int('must be a whole number from 1 to 500')
        .min(1, 'must be from 1 to 500')
        .max(500, 'must be from 1 to 500'),
    ),
  })
  .superRefine(checkFilter)
export type ListQuery = z.infer<typeof ListQuery>

export type ConversationRow = {
  id: string
  title: string
  tier: Tier
  status: ConversationStatus
  quality_score: number | null
  persona: string
  emotion: string
  topic: string
  template_id: string | null
  template_name: string | null
  batch_id: string | null
  turn_count: number
  tokens: number
  cost_usd: number
  simulated: boolean
  version: number
  created_at: Date
  updated_at: Date
  reviewed_at: Date | null
  deleted_at: Date | null
  /** The chunk it is linked to now (null when none, or when the chunk is gone: see chunk_source). */
  parent_chunk_id: string | null
  /** Where its source text came from (chunk_context without the text), null when not grounded. */
  chunk_source: Omit<ChunkContext, 'text'> | null
  /** Title and a snippet of turn text with search terms between \u0002 and \u0003 (only when searching). */
  highlight?: { title: string; snippet: string }
}

export type ConversationPage = { items: ConversationRow[]; next_cursor: string | null; sort: Sort; limit: number }

/**
 * One page of conversations matching the filter, by keyset on (sort key, id): each page starts
 * strictly after the previous page's last row, so rows inserted meanwhile never shift a page
 * (no duplicates, no gaps among the rows that existed when paging began).
 *
 * A search is done in two steps, because walking the sort's index is cheap only when matches are
 * common and collecting every match from the GIN index only when they are rare. First up to a window
 * of rows in sort order is checked, sized from the planner's estimate of the matches (searchWindow);
 * if it holds less than a page, the rest of the page comes from the GIN index, starting after the
 * last match found (cheap because matches are then rare).
 */
export async function listConversations(
  db: Kysely<DB>,
  options: { filter: ConversationFilter; sort?: Sort; cursor?: string; limit: number },
): Promise<ConversationPage> {
  const sort = options.sort ?? DEFAULT_SORT
  const { expr, type, direction, opaque } = sortParts(sort)
  const after = options.cursor ? decodeCursor(options.cursor, sort) : undefined
  const want = options.limit + 1
  const keyset = (from: { key: string; id: string }) => {
    const op = direction === 'asc' ? sql`>` : sql`<`
    return sql<boolean>`(${expr}, conversations.id) ${op} (cast(${from.key} as ${type}), cast(${from.id} as uuid))`
  }
  const select = (from: { key: string; id: string } | undefined, source: QueryCreator<DB> = db) => {
    const query = source
      .selectFrom('conversations')
      .leftJoin('templates', 'templates.id', 'conversations.template_id')
      .select([
        'conversations.id',
        'conversations.title',
        'conversations.tier',
        'conversations.status',
        'conversations.quality_score',
        'conversations.persona',
        'conversations.emotion',
        'conversations.topic',
        'conversations.template_id',
        'templates.name as template_name',
        'conversations.batch_id',
        'conversations.turn_count',
        sql<number>`conversations.input_tokens + conversations.output_tokens`.as('tokens'),
        'conversations.cost_usd',
        'conversations.simulated',
        'conversations.version',
        'conversations.created_at',
        'conversations.updated_at',
        'conversations.reviewed_at',
        'conversations.deleted_at',
        'conversations.parent_chunk_id',
        sql<Omit<ChunkContext, 'text'> | null>`conversations.chunk_context - 'text'`.as('chunk_source'),
        sql<string>`(${expr})::text`.as('sort_key'),
      ])
      .where(listedConversations(options.filter))
    return from ? query.where(keyset(from)) : query
  }

  let rows: Awaited<ReturnType<ReturnType<typeof select>['execute']>>
  if (!options.filter.q) {
    rows = await select(after).orderBy(expr, direction).orderBy('conversations.id', direction).limit(want).execute()
  } else {
    // The next `size` rows in sort order, under the table's own name so the filter applies
    // unchanged; Postgres inlines it and stops reading as soon as the page is full.
    const matching = db
      .selectFrom('conversations')
      .select(sql`1`.as('one'))
      .where(listedConversations(options.filter))
      .$if(after !== undefined, (q) => q.where(keyset(after!)))
    const size = await searchWindow(db, matching, want)
    const window = db.with('conversations', (qb) =>
      qb
        .selectFrom('conversations')
        .selectAll()
        .where('conversations.deleted_at', 'is', null)
        .$if(after !== undefined, (q) => q.where(keyset(after!)))
        .orderBy(expr, direction)
        .orderBy('conversations.id', direction)
        .limit(size),
    )
    rows = size > 0 ? await select(undefined, window).orderBy(expr, direction).orderBy('conversations.id', direction).limit(want).execute() : []
    if (rows.length < want) {
      const last = rows.at(-1)
      const from = last ? { key: last.sort_key, id: last.id } : after
      // Ordering by an expression no index has makes Postgres collect the matches from the GIN index.
      const rest = await select(from)
        .orderBy(opaque, direction)
        .orderBy('conversations.id', direction)
        .limit(want - rows.length)
        .execute()
      rows = [...rows, ...rest]
    }
  }
  const page = keysetPage(
    rows,
    options.limit,
    (last) => encodeCursor({ sort, key: last.sort_key, id: last.id }),
    ({ sort_key: _, ...row }): ConversationRow => ({
      ...row,
      quality_score: row.quality_score === null ? null : Number(row.quality_score),
      cost_usd: Number(row.cost_usd),
      tokens: Number(row.tokens),
    }),
  )
  if (options.filter.q && page.items.length) await addHighlights(db, page.items, options.filter.q)
  return { ...page, sort, limit: options.limit }
}

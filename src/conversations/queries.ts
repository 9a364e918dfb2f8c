import { sql, type Kysely, type QueryCreator, type RawBuilder } from 'kysely'
import { z } from 'zod'
import { ValidationFailed } from '../errors'
import { badCursor, CursorId, CursorText, CursorTimestamp, decodeCursor as decodeTuple, encodeCursor as encodeTuple } from '../http/cursor'
import type { ChunkContext, ConversationStatus, DB, Tier } from '../db/schema'
import { approvalRate } from '../review/approval-rate'
import { checkFilter, FILTER_FIELDS, listedConversations, type ConversationFilter } from './filter'

/**
 * Each offered sort: the key it orders by (an expression an index in
 * migrations/2026_11_25_2000_conversation_list_indexes.ts matches exactly), the key's SQL type
 * for the cursor, the same order through an expression no index matches (see listConversations),
 * and the direction. Ties are broken by id in the same direction.
 */
const SORT_KEYS = {
  created: { expr: sql`conversations.created_at`, type: sql`timestamptz`, opaque: sql`conversations.created_at + interval '0 s'` },
  updated: { expr: sql`conversations.updated_at`, type: sql`timestamptz`, opaque: sql`conversations.updated_at + interval '0 s'` },
  quality: { expr: sql`coalesce(conversations.quality_score, -1)`, type: sql`numeric`, opaque: sql`coalesce(conversations.quality_score, -1) + 0` },
  title: { expr: sql`conversations.title`, type: sql`text`, opaque: sql`conversations.title || ''` },
} as const

export const SORTS = ['created_desc', 'created_asc', 'quality_desc', 'quality_asc', 'updated_desc', 'updated_asc', 'title_asc', 'title_desc'] as const
export type Sort = (typeof SORTS)[number]
export const DEFAULT_SORT: Sort = 'created_desc'

function sortParts(sort: Sort) {
  const [key, direction] = sort.split('_') as [keyof typeof SORT_KEYS, 'asc' | 'desc']
  return { ...SORT_KEYS[key], key, direction }
}

/** Checks a cursor's key value before Postgres casts it, so a forged cursor is a 400, not a 500. */
const KEY_VALUE = {
  created: CursorTimestamp,
  updated: CursorTimestamp,
  quality: z.string().regex(/^-?\d{1,3}(\.\d{1,6})?$/),
  title: CursorText,
} as const

const CursorShape = z.tuple([z.enum(SORTS), z.string(), CursorId])
export type Cursor = { sort: Sort; key: string; id: string }

/** An opaque cursor: base64url JSON of [sort, last key as text, last id]. */
export function encodeCursor(cursor: Cursor): string {
  return encodeTuple([cursor.sort, cursor.key, cursor.id])
}

export function decodeCursor(raw: string, sort: Sort): Cursor {
  const [cursorSort, key, id] = decodeTuple(raw, CursorShape)
  if (cursorSort !== sort) {
    throw new ValidationFailed('The cursor belongs to a different sort order: start again from the first page.', {
      cursor: 'belongs to a different sort order: start again from the first page',
    })
  }
  if (!KEY_VALUE[sortParts(sort).key].safeParse(key).success) throw badCursor()
  return { sort, key, id }
}

/** What the list accepts: the filter plus sort, cursor and page size (from the query string or JSON). */
export const ListQuery = z
  .object({
    ...FILTER_FIELDS,
    sort: z.preprocess((v) => (v === '' ? undefined : Array.isArray(v) && v.length === 1 ? v[0] : v), z.enum(SORTS, { error: `must be one of ${SORTS.join(', ')}` }).optional()),
    cursor: z.preprocess((v) => (v === '' ? undefined : Array.isArray(v) && v.length === 1 ? v[0] : v), z.string().max(20_000).optional()),
    limit: z.preprocess(
      (v) => (v === '' ? undefined : Array.isArray(v) && v.length === 1 ? v[0] : v),
      z.coerce.number({ error: 'must be a whole number from 1 to 500' }).int('must be a whole number from 1 to 500').min(1, 'must be from 1 to 500').max(500, 'must be from 1 to 500').optional(),
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

export const DEFAULT_PAGE_SIZE = 50

/** The user's rows-per-page preference (user_preferences.page_size), default 50. */
export async function pageSizeFor(db: Kysely<DB>, userId: string): Promise<number> {
  const row = await db.selectFrom('user_preferences').select('page_size').where('user_id', '=', userId).executeTakeFirst()
  return row?.page_size ?? DEFAULT_PAGE_SIZE
}

/**
 * One page of conversations matching the filter, by keyset on (sort key, id): each page starts
 * strictly after the previous page's last row, so rows inserted meanwhile never shift a page
 * (no duplicates, no gaps among the rows that existed when paging began).
 *
 * A search is done in two steps, because Postgres cannot tell how many rows a text query matches
 * (it assumes words are independent) and so picks badly between walking the sort's index and
 * collecting every match from the GIN index. First the next SEARCH_WINDOW rows in sort order are
 * checked (cheap when matches are common); if they hold less than a page, the rest of the page comes
 * from the GIN index, starting after the last match found (cheap because matches are then rare).
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

  let rows
  if (!options.filter.q) {
    rows = await select(after).orderBy(expr, direction).orderBy('conversations.id', direction).limit(want).execute()
  } else {
    // The next SEARCH_WINDOW rows in sort order, under the table's own name so the filter applies
    // unchanged; Postgres inlines it and stops reading as soon as the page is full.
    const window = db.with('conversations', (qb) =>
      qb
        .selectFrom('conversations')
        .selectAll()
        .where('conversations.deleted_at', 'is', null)
        .$if(after !== undefined, (q) => q.where(keyset(after!)))
        .orderBy(expr, direction)
        .orderBy('conversations.id', direction)
        .limit(SEARCH_WINDOW),
    )
    rows = await select(undefined, window).orderBy(expr, direction).orderBy('conversations.id', direction).limit(want).execute()
    if (rows.length < want) {
      const last = rows.at(-1)
      const from = last ? { key: last.sort_key, id: last.id } : after
      // Ordering by an expression no index has makes Postgres collect the matches from the GIN index.
      const rest = await select(from).orderBy(opaque, direction).orderBy('conversations.id', direction).limit(want - rows.length).execute()
      rows = [...rows, ...rest]
    }
  }
  const more = rows.length > options.limit
  const page = rows.slice(0, options.limit)
  const last = page.at(-1)
  const items: ConversationRow[] = page.map(({ sort_key: _, ...row }) => ({
    ...row,
    quality_score: row.quality_score === null ? null : Number(row.quality_score),
    cost_usd: Number(row.cost_usd),
    tokens: Number(row.tokens),
  }))
  if (options.filter.q && items.length) await addHighlights(db, items, options.filter.q)
  return {
    items,
    next_cursor: more && last ? encodeCursor({ sort, key: last.sort_key, id: last.id }) : null,
    sort,
    limit: options.limit,
  }
}

/** How many rows in sort order a search checks before asking the GIN index for the rest. */
const SEARCH_WINDOW = 1000

/** Marks the search terms in the page's titles and a snippet of their turns (for this page's rows only). */
async function addHighlights(db: Kysely<DB>, items: ConversationRow[], q: string): Promise<void> {
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
      sql<string>`ts_headline('english', ${clean(sql`(select coalesce(string_agg(t->>'content', ' '), '') from jsonb_array_elements(turns) t)`)}, websearch_to_tsquery('english', ${q}), ${snippetOptions})`.as('snippet'),
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

export type Summary = {
  total: number
  byStatus: Partial<Record<ConversationStatus, number>>
  byTier: Partial<Record<Tier, number>>
  averageQuality: number | null
  /** As src/review/approval-rate.ts defines it, null when nothing was decided yet. */
  approvalRate: number | null
  spendUsd: number
}

/** The cards above the table and the row count, for the same filter, in one aggregate query. */
export async function summarizeConversations(db: Kysely<DB>, filter: ConversationFilter): Promise<Summary> {
  const rows = await db
    .selectFrom('conversations')
    .select([
      'conversations.status',
      'conversations.tier',
      sql<string>`count(*)`.as('n'),
      sql<number | null>`sum(conversations.quality_score)`.as('quality_sum'),
      sql<string>`count(conversations.quality_score)`.as('quality_n'),
      sql<number>`coalesce(sum(conversations.cost_usd), 0)`.as('spend'),
    ])
    .where(listedConversations(filter))
    .groupBy(['conversations.status', 'conversations.tier'])
    .execute()
  const summary: Summary = { total: 0, byStatus: {}, byTier: {}, averageQuality: null, approvalRate: null, spendUsd: 0 }
  let qualitySum = 0
  let qualityN = 0
  for (const row of rows) {
    const n = Number(row.n)
    summary.total += n
    summary.byStatus[row.status] = (summary.byStatus[row.status] ?? 0) + n
    summary.byTier[row.tier] = (summary.byTier[row.tier] ?? 0) + n
    qualitySum += Number(row.quality_sum ?? 0)
    qualityN += Number(row.quality_n)
    summary.spendUsd += Number(row.spend)
  }
  if (qualityN) summary.averageQuality = qualitySum / qualityN
  summary.approvalRate = approvalRate({
    approved: summary.byStatus.approved ?? 0,
    rejected: summary.byStatus.rejected ?? 0,
    needs_revision: summary.byStatus.needs_revision ?? 0,
  })
  return summary
}

/** What the filter form offers: templates, scenarios, recent batches and documents, and the scenarios' vocabulary. */
export async function filterChoices(db: Kysely<DB>) {
  const [templates, scenarios, batches, documents, vocabulary] = await Promise.all([
    db.selectFrom('templates').select(['id', 'name']).orderBy('name').orderBy('id').limit(500).execute(),
    db.selectFrom('scenarios').select(['id', 'name']).orderBy('name').orderBy('id').limit(500).execute(),
    db.selectFrom('batches').select(['id', 'name', 'created_at']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute(),
    db.selectFrom('documents').select(['id', 'title']).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(200).execute(),
    db
      .selectFrom('scenarios')
      .select([
        sql<string[]>`array_agg(distinct persona) filter (where persona <> '')`.as('personas'),
        sql<string[]>`array_agg(distinct emotion) filter (where emotion <> '')`.as('emotions'),
        sql<string[]>`array_agg(distinct topic) filter (where topic <> '')`.as('topics'),
      ])
      .executeTakeFirstOrThrow(),
  ])
  return {
    templates,
    scenarios,
    batches,
    documents,
    personas: vocabulary.personas ?? [],
    emotions: vocabulary.emotions ?? [],
    topics: vocabulary.topics ?? [],
  }
}
export type FilterChoices = Awaited<ReturnType<typeof filterChoices>>

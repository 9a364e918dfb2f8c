import { type Expression, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import type { DB } from '../db/schema'
import { badCursor, CursorId, CursorTimestamp, decodeCursor, encodeCursor, keysetPage } from '../http/cursor'
import { optionalField } from '../http/params'
import { cachedChunk, forgetChunks } from './cache'
import type { Chunk } from './chunker'
import type { DimensionSource } from './dimension-source'
import { type DimensionAnalysis, dimensionsIn } from './dimensions'

const namesOf = (group: 'persona' | 'emotion' | 'topic') => dimensionsIn(group).map((d) => d.name) as [string, ...string[]]
const oneOf = (group: 'persona' | 'emotion' | 'topic') =>
  optionalField(z.enum(namesOf(group), { error: `must be one of the ${group} dimensions: ${namesOf(group).join(', ')}` }))
const complexity = optionalField(
  z.coerce
    .number({ error: 'must be a whole number from 1 to 10' })
    .int('must be a whole number from 1 to 10')
    .min(1, 'must be from 1 to 10')
    .max(10, 'must be from 1 to 10'),
)

/** What GET /api/chunks (and the chunk browser) accepts. */
export const ChunkListQuery = z
  .object({
    document_id: optionalField(z.uuid({ error: 'must be a document id' })),
    q: optionalField(z.string().trim().max(200, 'must be at most 200 characters')),
    persona: oneOf('persona'),
    emotion: oneOf('emotion'),
    topic: oneOf('topic'),
    complexity_min: complexity,
    complexity_max: complexity,
    analyzed: optionalField(
      z.enum(['true', 'false', 'yes', 'no', '1', '0'], { error: 'must be true or false' }).transform((v) => ['true', 'yes', '1'].includes(v)),
    ),
    cursor: optionalField(z.string().max(400)),
    limit: optionalField(
      z.coerce
        .number({ error: 'must be a whole number from 1 to 200' })
        .int('must be a whole number from 1 to 200')
        .min(1, 'must be from 1 to 200')
        .max(200, 'must be from 1 to 200'),
    ),
  })
  .superRefine((query, ctx) => {
    if (query.complexity_min !== undefined && query.complexity_max !== undefined && query.complexity_min > query.complexity_max) {
      ctx.addIssue({ code: 'custom', path: ['complexity_max'], message: 'must not be below complexity_min' })
    }
  })
export type ChunkListQuery = z.infer<typeof ChunkListQuery>

export const DEFAULT_CHUNK_PAGE = 50
/** How many of the newest chunks a phrase search reads before it asks the whole table (see listChunks). */
const SEARCH_WINDOW = 1000
/** How much of a chunk's text a list shows. */
export const EXCERPT_CHARS = 200

/**
 * A keyset position: within one document the ordinal (reading order), otherwise the (created_at,
 * id) of the newest-first list. base64url JSON, checked strictly so a forged cursor is a 400 that
 * names the field, never a cast error from Postgres.
 */
const Position = z.union([z.tuple([z.literal('ordinal'), z.number().int().min(0)]), z.tuple([z.literal('created'), CursorTimestamp, CursorId])])
type Position = z.infer<typeof Position>

/** A reading-order cursor only fits a document's list, a newest-first one only the others. */
function decodePosition(raw: string, inDocument: boolean): Position {
  const position = decodeCursor(raw, Position)
  if ((position[0] === 'ordinal') !== inDocument) throw badCursor()
  return position
}

export type TopDimension = { name: string; group: 'persona' | 'emotion' | 'topic'; confidence: number }

export type ChunkListItem = {
  id: string
  document_id: string
  document_title: string
  ordinal: number
  heading_path: string[]
  excerpt: string
  tokens: number
  complexity: number | null
  /** The personas, emotions and topics that apply, strongest first (empty until analysed). */
  top_dimensions: TopDimension[]
  analyzed_at: Date | null
  created_at: Date
}

export type ChunkPage = { items: ChunkListItem[]; next_cursor: string | null }

/** The list's filters as one condition (every one but the text search served by an index). */
export function chunkFilter(query: ChunkListQuery): Expression<SqlBool> {
  const where: Expression<SqlBool>[] = [sql<SqlBool>`true`]
  if (query.document_id) where.push(sql<SqlBool>`c.document_id = ${query.document_id}::uuid`)
  if (query.q) {
    where.push(sql<SqlBool>`c.search @@ websearch_to_tsquery('english', ${query.q})`)
    // A phrase's adjacent word pairs narrow it down from an index before positions are checked.
    const phrases = requiredPhrases(query.q)
    if (phrases.length)
      where.push(
        sql<SqlBool>`c.phrase_pairs @> (${sql.join(
          phrases.map((p) => sql`lexeme_pairs(to_tsvector('english', ${p}))`),
          sql` || `,
        )})`,
      )
  }
  // @> on the array columns is what the GIN index on (personas, emotions, topics) serves.
  if (query.persona) where.push(sql<SqlBool>`c.personas @> array[${query.persona}]::text[]`)
  if (query.emotion) where.push(sql<SqlBool>`c.emotions @> array[${query.emotion}]::text[]`)
  if (query.topic) where.push(sql<SqlBool>`c.topics @> array[${query.topic}]::text[]`)
  if (query.complexity_min !== undefined) where.push(sql<SqlBool>`c.complexity >= ${query.complexity_min}`)
  if (query.complexity_max !== undefined) where.push(sql<SqlBool>`c.complexity <= ${query.complexity_max}`)
  if (query.analyzed === true) where.push(sql<SqlBool>`c.analyzed_at is not null`)
  if (query.analyzed === false) where.push(sql<SqlBool>`c.analyzed_at is null`)
  return sql<SqlBool>`(${sql.join(where, sql` and `)})`
}

/**
 * The quoted phrases every match of a websearch query contains: not a -"negated" one, and none at
 * all when the query has an `or` (a phrase may be just one side of it).
 */
function requiredPhrases(q: string): string[] {
  if (/(^|\s)or(\s|$)/i.test(q.replace(/"[^"]*"/g, ' '))) return []
  return [...q.matchAll(/(^|[^-])"([^"]+)"/g)].map((m) => m[2]!)
}

/**
 * One page of chunks: in reading order within a document, newest first otherwise, each page
 * strictly after the last row of the one before (no offsets, no duplicates).
 */
export async function listChunks(db: Kysely<DB>, query: ChunkListQuery): Promise<ChunkPage> {
  const limit = query.limit ?? DEFAULT_CHUNK_PAGE
  const inDocument = query.document_id !== undefined
  const after = query.cursor ? decodePosition(query.cursor, inDocument) : undefined
  const keyset =
    after?.[0] === 'ordinal'
      ? sql`and c.ordinal > ${after[1]}`
      : after?.[0] === 'created'
        ? sql`and (c.created_at, c.id) < (${after[1]}::timestamptz, ${after[2]}::uuid)`
        : sql``
  const order = inDocument ? sql`c.ordinal` : sql`c.created_at desc, c.id desc`
  const pageFrom = (chunks: RawBuilder<unknown>) =>
    sql<ChunkListItem & { dimension_source: DimensionSource | null; created_key: string }>`
      select c.id, c.document_id, d.title as document_title, c.ordinal, c.heading_path,
             left(c.text, ${EXCERPT_CHARS}) as excerpt, c.tokens, c.complexity, c.dimension_source,
             c.analyzed_at, c.created_at, c.created_at::text as created_key
      from ${chunks} c join documents d on d.id = c.document_id
      where ${chunkFilter(query)} ${keyset}
      order by ${order}
      limit ${limit + 1}`.execute(db)
  // A phrase's estimate is poor (its words and pairs are not independent), so the planner may read
  // and sort every match of a common phrase when the newest chunks would fill the page at once.
  // Those go first; only a phrase they do not satisfy (a rare one) runs on the whole table.
  const newest =
    query.q && !inDocument && requiredPhrases(query.q).length
      ? (await pageFrom(sql`(select * from chunks c where true ${keyset} order by ${order} limit ${SEARCH_WINDOW})`)).rows
      : []
  const rows = newest.length > limit ? newest : (await pageFrom(sql`chunks`)).rows
  return keysetPage(
    rows,
    limit,
    (last) => encodeCursor(inDocument ? ['ordinal', last.ordinal] : ['created', last.created_key, last.id]),
    ({ dimension_source, created_key: _, ...item }) => ({ ...item, top_dimensions: topDimensions(dimension_source) }),
  )
}

const TOP_DIMENSIONS = 5

function topDimensions(source: DimensionSource | null): TopDimension[] {
  if (!source) return []
  return [
    ...source.personas.map((d) => ({ ...d, group: 'persona' as const })),
    ...source.emotions.map((d) => ({ ...d, group: 'emotion' as const })),
    ...source.topics.map((d) => ({ ...d, group: 'topic' as const })),
  ]
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
    .slice(0, TOP_DIMENSIONS)
}

/** A chunk as cut (see chunker.ts), with its document and analysis. */
export type ChunkDetail = Chunk & {
  id: string
  document_id: string
  document_title: string
  dimensions: DimensionAnalysis | null
  dimension_source: DimensionSource | null
  analyzed_at: Date | null
  created_at: Date
}

/** A chunk read straight from the database, for work that must see its latest text (analysis). */
export function loadChunk(db: Kysely<DB>, id: string): Promise<ChunkDetail | undefined> {
  return db
    .selectFrom('chunks as c')
    .innerJoin('documents as d', 'd.id', 'c.document_id')
    .select([
      'c.id',
      'c.document_id',
      'd.title as document_title',
      'c.ordinal',
      'c.heading_path',
      'c.text',
      'c.tokens',
      'c.char_start',
      'c.char_end',
      'c.dimensions',
      'c.dimension_source',
      'c.analyzed_at',
      'c.created_at',
    ])
    .where('c.id', '=', id)
    .executeTakeFirst()
}

/** A chunk with its whole text and analysis, through the chunk cache. */
export function findChunk(db: Kysely<DB>, id: string): Promise<ChunkDetail | undefined> {
  return cachedChunk(id, (chunkId) => loadChunk(db, chunkId))
}

/** Stores an analysis and what the dimension parser made of it, then forgets the cached chunk. */
export async function saveChunkAnalysis(db: Kysely<DB>, id: string, dimensions: DimensionAnalysis, source: DimensionSource): Promise<boolean> {
  const result = await db
    .updateTable('chunks')
    .set({
      dimensions: JSON.stringify(dimensions),
      dimension_source: JSON.stringify(source),
      personas: source.personas.map((d) => d.name),
      emotions: source.emotions.map((d) => d.name),
      topics: source.topics.map((d) => d.name),
      complexity: source.complexity,
      analyzed_at: new Date(),
    })
    .where('id', '=', id)
    .executeTakeFirst()
  forgetChunks([id])
  return result.numUpdatedRows > 0n
}

/** The documents the chunk browser's document filter offers (those with chunks), by title. */
export function listChunkedDocuments(db: Kysely<DB>) {
  return db.selectFrom('documents').select(['id', 'title', 'chunk_count']).where('chunk_count', '>', 0).orderBy('title').orderBy('id').limit(500).execute()
}

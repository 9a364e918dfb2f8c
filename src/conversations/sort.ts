import { sql } from 'kysely'
import { z } from 'zod'
import { ValidationFailed } from '../errors'
import { badCursor, CursorId, CursorText, CursorTimestamp, decodeCursor as decodeTuple, encodeCursor as encodeTuple } from '../http/cursor'

/** The conversation list's sort orders, and the keyset cursor a page of each one ends with. */

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

/** A sort's key expression, SQL type, unindexed twin and direction. */
export function sortParts(sort: Sort) {
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

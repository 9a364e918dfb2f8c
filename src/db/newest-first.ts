import { type AliasedRawBuilder, type SelectQueryBuilder, sql } from 'kysely'
import { z } from 'zod'
import { CursorId, CursorTimestamp, decodeCursor, encodeCursor, type KeysetPage, keysetPage } from '../http/cursor'

/** The cursor of a newest-first list: the time as Postgres prints it (microseconds kept) and the id. */
const NewestCursor = z.tuple([CursorTimestamp, CursorId])

/** The list's time column as text, for its cursor: select it in the query handed to newestFirstPage. */
export function cursorAt(column: string): AliasedRawBuilder<string, 'cursor_at'> {
  return sql<string>`${sql.ref(column)}::text`.as('cursor_at')
}

/**
 * One page of a list shown newest first, keyset-paged on (`at`, `id`): the rows strictly after the
 * cursor, `limit + 1` read to tell whether there is more. The cursor keeps Postgres's microseconds
 * (the query selects `cursorAt(at)`), so rows made within one millisecond are neither skipped nor
 * repeated; a forged one is a 400 naming `field`, the query parameter it came in. The documents,
 * templates, exports, batches and audit lists page this way.
 */
export async function newestFirstPage<DB, TB extends keyof DB, Row extends { id: string; cursor_at: string }, Item>(
  query: SelectQueryBuilder<DB, TB, Row>,
  columns: { at: string; id: string },
  page: { cursor?: string | undefined; limit: number; field?: string },
  toItem: (row: Omit<Row, 'cursor_at'>) => Item,
): Promise<KeysetPage<Item>> {
  const at = sql.ref(columns.at)
  const id = sql.ref(columns.id)
  let paged = query
  if (page.cursor) {
    const [after, afterId] = decodeCursor(page.cursor, NewestCursor, page.field)
    paged = paged.where(sql<boolean>`(${at}, ${id}) < (${after}::timestamptz, ${afterId}::uuid)`)
  }
  const rows = await paged
    .orderBy(sql`${at} desc`)
    .orderBy(sql`${id} desc`)
    .limit(page.limit + 1)
    .execute()
  return keysetPage(
    rows,
    page.limit,
    (last) => encodeCursor([last.cursor_at, last.id]),
    ({ cursor_at: _at, ...row }) => toItem(row),
  )
}

import { z } from 'zod'
import { ValidationFailed } from '../errors'

/**
 * Keyset cursors are handed to clients and come back as input, so each one is decoded strictly here:
 * anything Postgres could refuse when the key is cast (a timestamp out of range, an id that is not a
 * UUID, text with a NUL) is a 400 naming the cursor, never a 500 from the database.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/

/** An ISO 8601 timestamp (or Postgres's text form of one) with real calendar fields, years 1 to 9999. */
export function isCursorTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text)
  if (!m) return false
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0)
  const offsetOk = m[7] === undefined || (Number(m[8]) <= 15 && Number(m[9] ?? 0) <= 59)
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk
}

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

/** The parts a cursor is made of; a tuple of these describes one list's sort key and tie-breaker. */
export const CursorTimestamp = z.string().refine(isCursorTimestamp)
export const CursorId = z.uuid()
export const CursorText = z
  .string()
  .max(10_000)
  .refine((text) => !text.includes('\u0000'))

export function badCursor(field = 'cursor'): ValidationFailed {
  const what = field === 'cursor' ? 'The cursor' : `The cursor in "${field}"`
  return new ValidationFailed(`${what} is not valid: start again from the first page.`, {
    [field]: 'is not a cursor this list gave out: start again from the first page',
  })
}

/** An opaque cursor: base64url JSON of the last row's key values. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url')
}

/** Decodes a cursor made by encodeCursor and checks it against the list's tuple; anything else is a 400. */
export function decodeCursor<T extends z.ZodType>(raw: string, shape: T, field = 'cursor'): z.infer<T> {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))
  } catch {
    throw badCursor(field)
  }
  const parsed = shape.safeParse(decoded)
  if (!parsed.success) throw badCursor(field)
  return parsed.data
}

export type KeysetPage<Item, Cursor = string> = { items: Item[]; next_cursor: Cursor | null }

/**
 * A page from the `limit + 1` rows a keyset query read: the first `limit` rows are the page, the
 * extra one only tells that there is more, and then the page's last row makes the next cursor.
 * `toItem` turns a row into what the list shows (after the cursor is taken from the raw row).
 */
export function keysetPage<Row, Cursor = string>(rows: readonly Row[], limit: number, cursorOf: (last: Row) => Cursor): KeysetPage<Row, Cursor>
export function keysetPage<Row, Item, Cursor = string>(
  rows: readonly Row[],
  limit: number,
  cursorOf: (last: Row) => Cursor,
  toItem: (row: Row) => Item,
): KeysetPage<Item, Cursor>
export function keysetPage<Row, Item, Cursor>(
  rows: readonly Row[],
  limit: number,
  cursorOf: (last: Row) => Cursor,
  toItem?: (row: Row) => Item,
): KeysetPage<Row | Item, Cursor> {
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { items: toItem ? page.map(toItem) : page, next_cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null }
}

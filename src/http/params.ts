import type { Context } from 'hono'
import { z } from 'zod'
import { NotFound } from '../errors'

/**
 * How a request's values are read at the door: every route reads path ids, query strings and form
 * fields through these, so a repeated key, a blank field or a malformed id means the same everywhere.
 */

/** A path id that must be a uuid; anything else is simply not found ("No such template."). */
export function uuidParam(c: Context, name: string, what: string): string {
  const id = z.uuid().safeParse(c.req.param(name))
  if (!id.success) throw new NotFound(`No such ${what}.`)
  return id.data
}

/** A form field or query key sent once arrives as a string, sent twice as an array: one value, or the array as it came. */
export const single = (value: unknown): unknown => (Array.isArray(value) && value.length === 1 ? value[0] : value)

const blank = (value: unknown) => value === '' || value === null || (Array.isArray(value) && value.every((x) => x === ''))

/** One optional value: a blank field means "not given"; a key repeated with different values is an error, not a silent pick. */
export function optionalField<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (blank(value) ? undefined : single(value)), schema.optional())
}

/** Several values: repeated keys (status=a&status=b), comma-separated (status=a,b) or a JSON array; blanks and repeats dropped. */
export function listField<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    if (value === undefined || blank(value)) return undefined
    const list = (Array.isArray(value) ? value : [value]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [x]))
    const values = list.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '')
    return values.length ? [...new Set(values)] : undefined
  }, z.array(schema).optional())
}

/** A list's from/to filter: a date (the whole day, in UTC) or an ISO 8601 time. */
export const DayOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date like 2026-11-30 or an ISO 8601 time' })

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value)

/** The first moment a `from` filter keeps. */
export function rangeStart(from: string): Date {
  return new Date(isDay(from) ? `${from}T00:00:00Z` : from)
}

/** The first moment after what a `to` filter keeps: the next day for a date, the next millisecond for a time. */
export function rangeEnd(to: string): Date {
  return new Date(isDay(to) ? Date.parse(`${to}T00:00:00Z`) + 86_400_000 : Date.parse(to) + 1)
}

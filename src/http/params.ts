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

import { z } from 'zod'
import { ValidationFailed } from '../errors'
import { optionalField } from '../http/params'
import { parseInput } from '../http/respond'

/**
 * The date range a chart covers: whole days in UTC (as the dashboard's created_from/created_to),
 * `from` and `to` both included. Left out, the range is the last 30 days up to today.
 */
export type DateRange = {
  from: string
  to: string
  /** The first instant of `from`. */
  start: Date
  /** The first instant after `to` (exclusive). */
  end: Date
}

export const DEFAULT_RANGE_DAYS = 30
/** Two years of days is as much as a chart of days can show legibly. */
export const MAX_RANGE_DAYS = 731
const DAY_MS = 86_400_000

const day = z.iso.date({ error: 'must be a date like 2026-11-25' })

const RangeQuery = z.object({ from: optionalField(day), to: optionalField(day) }).superRefine((q, ctx) => {
  if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
})

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)

export const isoDay = (date: Date) => date.toISOString().slice(0, 10)

/** `from`/`to` from a query string; a malformed or upside-down one is a 400 naming the field. */
export function readDateRange(query: { from?: unknown; to?: unknown }, now = new Date()): DateRange {
  const asked = parseInput(RangeQuery, { from: query.from, to: query.to })
  const range = dateRange(asked.from, asked.to, now)
  if (daysBetween(range.from, range.to) >= MAX_RANGE_DAYS) {
    throw new ValidationFailed(`The range may cover at most ${MAX_RANGE_DAYS} days.`, { from: `must be at most ${MAX_RANGE_DAYS} days before to` })
  }
  return range
}

/** The range from the days given, filling in what is missing: `to` today, `from` 29 days before `to`. */
export function dateRange(from: string | undefined, to: string | undefined, now = new Date()): DateRange {
  const last = to ?? (from && from > isoDay(now) ? from : isoDay(now))
  const first = from ?? isoDay(new Date(Date.parse(`${last}T00:00:00Z`) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS))
  const start = new Date(`${first}T00:00:00Z`)
  const end = new Date(Date.parse(`${last}T00:00:00Z`) + DAY_MS)
  return { from: first, to: last, start, end }
}

/** Every day of the range in order, so a chart shows days without data as zero rather than skipping them. */
export function daysOf(range: DateRange): string[] {
  const days: string[] = []
  for (let t = range.start.getTime(); t < range.end.getTime(); t += DAY_MS) days.push(isoDay(new Date(t)))
  return days
}

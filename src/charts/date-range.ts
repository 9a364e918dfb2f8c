import { z } from 'zod'
import { addDays, dayIn, daysBetween } from '../days'
import { ValidationFailed } from '../errors'
import { optionalField } from '../http/params'
import { parseInput } from '../http/respond'

/**
 * The date range a chart covers: whole days in the user's time zone, `from` and `to` both
 * included. Left out, the range is the last 30 days up to today (today where the user is).
 */
export type DateRange = {
  from: string
  to: string
  /** The IANA zone whose days these are. */
  zone: string
}

export const DEFAULT_RANGE_DAYS = 30
/** Two years of days is as much as a chart of days can show legibly. */
export const MAX_RANGE_DAYS = 731

const day = z.iso.date({ error: 'must be a date like 2026-11-25' })

const RangeQuery = z.object({ from: optionalField(day), to: optionalField(day) }).superRefine((q, ctx) => {
  if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' })
})

/** `from`/`to` from a query string; a malformed or upside-down one is a 400 naming the field. */
export function readDateRange(query: { from?: unknown; to?: unknown }, zone: string, now = new Date()): DateRange {
  const asked = parseInput(RangeQuery, { from: query.from, to: query.to })
  const range = dateRange(asked.from, asked.to, zone, now)
  if (daysBetween(range.from, range.to) >= MAX_RANGE_DAYS) {
    throw new ValidationFailed(`The range may cover at most ${MAX_RANGE_DAYS} days.`, { from: `must be at most ${MAX_RANGE_DAYS} days before to` })
  }
  return range
}

/** The range from the days given, filling in what is missing: `to` today, `from` 29 days before `to`. */
export function dateRange(from: string | undefined, to: string | undefined, zone: string, now = new Date()): DateRange {
  const today = dayIn(zone, now)
  const last = to ?? (from && from > today ? from : today)
  return { from: from ?? addDays(last, -(DEFAULT_RANGE_DAYS - 1)), to: last, zone }
}

/** Every day of the range in order, so a chart shows days without data as zero rather than skipping them. */
export function daysOf(range: DateRange): string[] {
  const days: string[] = []
  for (let d = range.from; d <= range.to; d = addDays(d, 1)) days.push(d)
  return days
}

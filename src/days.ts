import { type RawBuilder, sql } from 'kysely'

/**
 * Calendar days in a time zone: what a filter's "2026-11-25" or a chart's bar means. A day is
 * whole in the zone named (the user's preference), so it may last 23 or 25 hours. Postgres turns
 * a day into its first instant, so the database's tz data decides, as it does for grouping by day.
 */

const DAY_MS = 86_400_000

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** The day it is in `zone` at `now`: "2026-11-30". */
export function dayIn(zone: string, now: Date): string {
  let format = dayFormats.get(zone)
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD.
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayFormats.set(zone, format)
  }
  return format.format(now)
}

/** The day `n` days after `day` (before, for a negative n). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)
}

/** Days from `from` to `to`, not counting `from` itself (0 for the same day). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

/** The first instant of `day` in `zone`, as an SQL value: compare a timestamptz column with it. */
export function startOfDay(day: string, zone: string): RawBuilder<Date> {
  return sql<Date>`(${day}::date::timestamp at time zone ${zone})`
}

/** The day an instant falls on in `zone`, as an SQL date. */
export function dayOfInstant(instant: RawBuilder<unknown>, zone: string): RawBuilder<string> {
  return sql<string>`(${instant} at time zone ${zone})::date`
}

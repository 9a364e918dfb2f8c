import { tryGetContext } from 'hono/context-storage'
import { LRUCache } from 'lru-cache'
import type { BatchStatus, ConversationStatus } from '../src/db/schema'
import { ERROR_CODES, isErrorCode } from '../src/error-codes'
import type { AppEnv } from '../src/http/env'

/**
 * How every page writes times, numbers and statuses, so the same value reads the same everywhere.
 * Times are shown to the minute in the time zone of the user's preferences (UTC until they choose
 * one), read from the request being rendered: "2026-11-30 15:05 CET".
 */

const formats = new Map<string, Intl.DateTimeFormat>()

function formatFor(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone)
  if (!format) {
    const options = {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    } as const
    format = new Intl.DateTimeFormat('en-GB', options)
    formats.set(zone, format)
  }
  return format
}

const DAY_MS = 86_400_000
type Offset = { ms: number; name: string }

/** Intl's own parts of a time (year, month, …, timeZoneName) in the format's zone. */
function intlParts(format: Intl.DateTimeFormat, instant: number | Date): Record<string, string> {
  return Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]))
}

function offsetAt(format: Intl.DateTimeFormat, instant: number): Offset {
  const p = intlParts(format, instant)
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute))
  return { ms: local - Math.floor(instant / 60_000) * 60_000, name: p.timeZoneName ?? '' }
}

/**
 * A zone's offset on a UTC day, when the clocks do not change that day (null when they do).
 * formatToParts is slow enough to be a tenth of a list page's rendering when called for every
 * time on it; a day's offset is worked out once and the times of that day are shifted by it.
 */
const dayOffsets = new LRUCache<string, Offset | 'changes'>({ max: 10_000 })

function dayOffset(zone: string, format: Intl.DateTimeFormat, instant: number): Offset | undefined {
  const start = Math.floor(instant / DAY_MS) * DAY_MS
  const key = `${zone} ${start}`
  let known = dayOffsets.get(key)
  if (known === undefined) {
    const [first, last] = [offsetAt(format, start), offsetAt(format, start + DAY_MS - 60_000)]
    known = first.ms === last.ms && first.name === last.name ? first : 'changes'
    dayOffsets.set(key, known)
  }
  return known === 'changes' ? undefined : known
}

const two = (n: number) => String(n).padStart(2, '0')

function parts(date: Date, zone = tryGetContext<AppEnv>()?.var.user?.preferences?.timezone ?? 'UTC'): Record<string, string> {
  const format = formatFor(zone)
  const offset = dayOffset(zone, format, date.getTime())
  if (!offset) return intlParts(format, date)
  const local = new Date(date.getTime() + offset.ms)
  return {
    year: String(local.getUTCFullYear()),
    month: two(local.getUTCMonth() + 1),
    day: two(local.getUTCDate()),
    hour: two(local.getUTCHours()),
    minute: two(local.getUTCMinutes()),
    timeZoneName: offset.name,
  }
}

/** `zone` is the signed-in user's (their preferences) unless given. */
export function when(date: Date | null | undefined, zone?: string): string {
  if (!date) return '—'
  const p = parts(date, zone)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`
}

/** The time of day alone, for something that happened moments ago: "14:05 UTC". */
export function timeOfDay(date: Date): string {
  const p = parts(date)
  return `${p.hour}:${p.minute} ${p.timeZoneName}`
}

/** The date alone (a week's first day, a file name): "2026-11-30". */
export function day(date: Date): string {
  const p = parts(date)
  return `${p.year}-${p.month}-${p.day}`
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}

export function money(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

/** A quality score (0 to 5) or a rate, to two places. */
export function score(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toFixed(2)
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)}%`
}

/** A conversation's status as a label (pills, filters, history); never the raw code. */
export const STATUS_LABELS: Record<ConversationStatus, string> = {
  draft: 'Draft',
  queued: 'Queued',
  generating: 'Generating',
  pending_review: 'Pending review',
  approved: 'Approved',
  rejected: 'Rejected',
  needs_revision: 'Needs revision',
  failed: 'Failed',
  cancelled: 'Cancelled',
}

/** An error code as words (the documented list's title), or the code itself if it is not listed. */
export function errorWords(code: string): string {
  return isErrorCode(code) ? ERROR_CODES[code].title : code
}

/** A batch's status as a label. */
export const BATCH_STATUS_LABELS: Record<BatchStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  cancelled: 'Cancelled',
  done: 'Done',
}

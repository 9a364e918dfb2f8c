import { tryGetContext } from 'hono/context-storage'
import type { BatchStatus, ConversationStatus } from '../src/db/schema'
import { ERROR_CODES, isErrorCode } from '../src/error-codes'
import type { AppEnv } from '../src/http/env'

/**
 * How every page writes times, numbers and statuses, so the same value reads the same everywhere.
 * Times are shown to the minute in the time zone of the user's preferences (UTC until they choose
 * one), read from the request being rendered: "2026-11-30 15:05 CET".
 */

const formats = new Map<string, Intl.DateTimeFormat>()

function parts(date: Date): Record<string, string> {
  const zone = tryGetContext<AppEnv>()?.var.user?.preferences?.timezone ?? 'UTC'
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
  return Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]))
}

export function when(date: Date | null | undefined): string {
  if (!date) return '—'
  const p = parts(date)
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

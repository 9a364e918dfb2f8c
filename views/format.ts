import type { ConversationStatus } from '../src/db/schema'

/**
 * How every page writes times, numbers and statuses, so the same value reads the same everywhere.
 * Times are shown in UTC, to the minute: "2026-11-30 14:05 UTC".
 */

export function when(date: Date | null | undefined): string {
  return date ? `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC` : '—'
}

/** The time of day alone, for something that happened moments ago: "14:05 UTC". */
export function timeOfDay(date: Date): string {
  return `${date.toISOString().slice(11, 16)} UTC`
}

/** The date alone (a week's first day, a file name): "2026-11-30". */
export function day(date: Date): string {
  return date.toISOString().slice(0, 10)
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

/** Small formatters shared by the conversation views. */

export function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 16) : '—'
}

export function money(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

export function count(n: number): string {
  return n.toLocaleString('en-US')
}

export function score(n: number | null): string {
  return n === null ? '—' : n.toFixed(2)
}

export const STATUS_LABELS: Record<string, string> = {
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

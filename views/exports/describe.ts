import { FILTER_KEYS } from '../../src/conversations/filter'
import type { ConversationStatus } from '../../src/db/schema'
import { STATUS_LABELS } from '../format'

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}

/** A scope in words: "approved", "12 selected conversations", "status: approved · tier: T2". */
export function describeScope(scope: Record<string, unknown>): string {
  const parts: string[] = []
  const ids = scope.conversation_ids
  if (Array.isArray(ids)) parts.push(`${ids.length} selected conversation${ids.length === 1 ? '' : 's'}`)
  for (const key of FILTER_KEYS) {
    const value = scope[key]
    if (value === undefined || value === null) continue
    // Statuses in words ("pending review"), never the stored code.
    const words = (v: unknown) =>
      key === 'status' && typeof v === 'string' && v in STATUS_LABELS ? STATUS_LABELS[v as ConversationStatus].toLowerCase() : String(v)
    parts.push(`${key.replaceAll('_', ' ')}: ${Array.isArray(value) ? value.map(words).join(', ') : words(value)}`)
  }
  return parts.join(' · ') || 'everything'
}

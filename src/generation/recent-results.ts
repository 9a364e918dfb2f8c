import { type Kysely, sql } from 'kysely'
import { executePrepared } from '../db/prepared'
import type { DB, Turn } from '../db/schema'
import { shingles } from './quality'

/**
 * The latest results of each batch, as word-shingle sets, for the near-duplicate part of the
 * quality score. Kept per worker process: its own results join at once, and the batch's newest
 * results from every process are read again at most once a second. So scoring a conversation
 * costs no query and no re-tokenizing of the same neighbours, however large the batch.
 * Why: reading them with the claim cost 9 ms per claim at 3,000 conversations in a batch, growing
 * with its size (commit 7ef4591), against < 15 ms p50 overhead per conversation (test/bench/generation.bench.ts).
 */

/** How many recent conversations of the batch a new one is compared with. */
export const NOVELTY_WINDOW = 10
export const REFRESH_MS = 1_000
/** Batches remembered at once; the least recently used is forgotten first. */
const MAX_BATCHES = 100

type Entry = { id: string; shingles: Set<string> }
type Window = { entries: Entry[]; added: Entry[]; refreshedAt: number; refreshing: Promise<void> | null }

const windows = new Map<string, Window>()

/** The shingle sets of the batch's latest results, leaving out `exceptId` (the conversation being scored). */
export async function recentShingles(db: Kysely<DB>, batchId: string, exceptId: string): Promise<Array<Set<string>>> {
  const window = touch(batchId)
  if (Date.now() - window.refreshedAt >= REFRESH_MS) {
    window.refreshing ??= refresh(db, batchId, window).finally(() => (window.refreshing = null))
    await window.refreshing
  }
  return window.entries.filter((e) => e.id !== exceptId).map((e) => e.shingles)
}

/** A result this process just stored joins its batch's window before the next refresh. */
export function rememberResult(batchId: string, id: string, set: Set<string>): void {
  const window = touch(batchId)
  const entry = { id, shingles: set }
  window.entries = [entry, ...window.entries.filter((e) => e.id !== id)].slice(0, NOVELTY_WINDOW)
  window.added.push(entry)
}

function touch(batchId: string): Window {
  let window = windows.get(batchId)
  if (window) windows.delete(batchId)
  else window = { entries: [], added: [], refreshedAt: 0, refreshing: null }
  windows.set(batchId, window)
  if (windows.size > MAX_BATCHES) windows.delete(windows.keys().next().value!)
  return window
}

async function refresh(db: Kysely<DB>, batchId: string, window: Window): Promise<void> {
  const startedAt = Date.now()
  window.added = []
  // The (batch_id, updated_at desc) index gives the newest rows first; finished ones are kept.
  const { rows } = await executePrepared(
    db,
    'recent_batch_results',
    sql<{ id: string; turns: Turn[] }>`
    select c.id, c.turns from (
      select id, status from conversations where batch_id = ${batchId}::uuid order by updated_at desc limit ${NOVELTY_WINDOW * 10}
    ) latest
    join conversations c on c.id = latest.id
    where latest.status in ('pending_review', 'approved', 'rejected', 'needs_revision')
    limit ${NOVELTY_WINDOW}`,
  )
  const known = new Map(window.entries.map((e) => [e.id, e.shingles]))
  const read = rows.map((r) => ({ id: r.id, shingles: known.get(r.id) ?? shingles(r.turns) }))
  // Results remembered while the query ran may be missing from it; they are newer, so they go first.
  const merged = [...window.added, ...read.filter((r) => !window.added.some((a) => a.id === r.id))]
  window.entries = merged.slice(0, NOVELTY_WINDOW)
  window.added = []
  window.refreshedAt = startedAt
}

import { setTimeout as sleep } from 'node:timers/promises'
import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema'
import type { AiSettings } from './ai-settings'

/**
 * The Claude rate limit shared by every worker process through Postgres (claude_acquire in
 * migrations/2026_11_25_1100_generation.ts): a lease per call in flight, and evenly spaced start
 * times, so N processes together never exceed the requests per minute or the concurrency.
 */

/**
 * The pace the limiter keeps: 2% under the configured requests per minute, so that a request
 * delayed on its way (a busy event loop, the network) and the next one on time still never put
 * more than the configured number into any minute.
 */
export function pacedRate(settings: AiSettings): number {
  return Math.max(1, Math.floor(settings.requests_per_minute * 0.98))
}

/** A lease outlives the slowest call, so only a dead worker's lease ever expires. */
export function leaseMs(settings: AiSettings): number {
  return settings.timeout_ms + 10_000
}

/** Waits for a place and a start slot; returns the lease to release when the call is over. */
export async function acquireClaudeSlot(db: Kysely<DB>, settings: AiSettings, holder: string, signal?: AbortSignal): Promise<string> {
  for (;;) {
    signal?.throwIfAborted()
    const { rows } = await sql<{ lease_id: string | null; wait_ms: number | null }>`
      select lease_id, wait_ms from claude_acquire(${holder}, ${pacedRate(settings)}::int, ${settings.max_concurrency}::int, ${leaseMs(settings)}::int)`.execute(db)
    const row = rows[0]
    if (row?.lease_id) {
      if (row.wait_ms && row.wait_ms > 0) await sleep(row.wait_ms, undefined, { signal })
      return row.lease_id
    }
    // Every place is taken: try again shortly, with jitter so waiting workers do not ask in step.
    await sleep(20 + Math.random() * 60, undefined, { signal })
  }
}

export async function releaseClaudeSlot(db: Kysely<DB>, leaseId: string): Promise<void> {
  await db.deleteFrom('claude_leases').where('id', '=', leaseId).execute()
}

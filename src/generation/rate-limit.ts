import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, sql } from 'kysely'
import { grouped } from '../db/grouped'
import { executePrepared } from '../db/prepared'
import type { DB } from '../db/schema'
import type { AiSettings } from './ai-settings'

/**
 * The Claude rate limit shared by every worker process through Postgres (claude_acquire_many in
 * migrations/2026_11_25_1102_claude_acquire_many.ts): a lease per call in flight, and evenly spaced start
 * times, so N processes together never exceed the requests per minute or the concurrency.
 * Leases are handed out in groups (db/grouped.ts), several slots under one lock of the limiter row.
 * Target: 95–100% of the configured rate with 2 worker processes ("achieved rate" in
 * test/bench/generation.bench.ts), without the limiter row becoming the bottleneck of ≥ 300 conv/s.
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

type LeaseAsk = { settings: AiSettings; holder: string }
type Lease = { id: string; waitMs: number }

/**
 * The asks that gathered while the last one was on its way go together: one lock of the limiter
 * row hands out a lease to as many as there are places, each with its own start slot. The group
 * goes with the first ask's settings; they are the same cached settings but for a change a moment ago.
 */
const askForLeases = grouped<LeaseAsk, Lease | null>(async (db, asks) => {
  const { settings, holder } = asks[0]!
  const { rows } = await executePrepared(
    db,
    'claude_acquire_many',
    sql<{ lease_id: string; wait_ms: number }>`
      select lease_id, wait_ms from claude_acquire_many(${holder}, ${asks.length}::int, ${pacedRate(settings)}::int, ${settings.max_concurrency}::int, ${leaseMs(settings)}::int)`,
  )
  return asks.map((_, i) => (rows[i] ? { id: rows[i].lease_id, waitMs: rows[i].wait_ms } : null))
})

/** Waits for a place and a start slot; returns the lease to release when the call is over. */
export async function acquireClaudeSlot(db: Kysely<DB>, settings: AiSettings, holder: string, signal?: AbortSignal): Promise<string> {
  for (;;) {
    signal?.throwIfAborted()
    const lease = await askForLeases(db, { settings, holder })
    if (lease) {
      // Stopped while waiting for its start slot (a shutdown, a cancel): the place is given back
      // now, not when a dead worker's leases are swept or the lease expires two minutes later.
      if (lease.waitMs > 0)
        await sleep(lease.waitMs, undefined, { signal }).catch(async (err) => {
          await releaseClaudeSlot(db, lease.id)
          throw err
        })
      return lease.id
    }
    // Every place is taken: try again after about half a start slot (20 ms to a second), with jitter
    // so waiting workers do not ask in step. A fixed 20 to 80 ms had five waiting jobs asking 150
    // times a second at 50 requests a minute, a database round trip each, on the web's event loop too.
    const pause = Math.min(1_000, Math.max(20, 30_000 / settings.requests_per_minute))
    await sleep(pause * (0.5 + Math.random()), undefined, { signal })
  }
}

export async function releaseClaudeSlot(db: Kysely<DB>, leaseId: string): Promise<void> {
  await db.deleteFrom('claude_leases').where('id', '=', leaseId).execute()
}

/** Who holds a lease: the process, named as its worker heartbeat names it, so a dead one's leases can be found. */
export function leaseHolder(host: { hostname: string; pid: number }): string {
  return `${host.hostname}:${host.pid}`
}

/** Frees the places of processes whose calls are over (killed, or stopped without waiting for them). */
export async function releaseLeasesOf(db: Kysely<DB>, holders: string[]): Promise<void> {
  if (holders.length === 0) return
  await db.deleteFrom('claude_leases').where('holder', 'in', holders).execute()
}

import type { Kysely } from 'kysely'
import { LRUCache } from 'lru-cache'
import type { DB } from './schema'

/**
 * A value read from the database and kept for a short while per database handle: settings every
 * generated conversation needs but that change rarely. A change made in this process forgets it
 * for every handle at once (it may have been made in a transaction, a handle of its own); one made
 * by another process is seen within `ttlMs`.
 * Why: every generation reads the AI and the review settings, and the pipeline overhead target
 * (< 15 ms p50 per conversation, test/bench/generation.bench.ts) leaves no room for two more
 * round trips each; the bench gives no figure for this cache on its own.
 */
export type CachedRead<T> = { get(db: Kysely<DB>): Promise<T>; forget(): void }

const everyCache: Array<{ forget(): void }> = []

export function cachedRead<T>(ttlMs: number, read: (db: Kysely<DB>) => Promise<T>): CachedRead<T> {
  let cache = new WeakMap<Kysely<DB>, { at: number; value: Promise<T> }>()
  const cached: CachedRead<T> = {
    get(db) {
      const hit = cache.get(db)
      if (hit && Date.now() - hit.at < ttlMs) return hit.value
      const value = read(db)
      cache.set(db, { at: Date.now(), value })
      value.catch(() => cache.delete(db))
      return value
    },
    forget: () => {
      cache = new WeakMap()
    },
  }
  everyCache.push(cached)
  return cached
}

/**
 * Keys known true per database handle for `ttlMs` (a review queue known to be past its count cap),
 * the same way: forgotten with the cached reads.
 */
export type RememberedKeys = { has(db: Kysely<DB>, key: string): boolean; add(db: Kysely<DB>, key: string): void; forget(): void }

export function rememberedKeys(ttlMs: number, max = 1_000): RememberedKeys {
  let known = new WeakMap<Kysely<DB>, LRUCache<string, true>>()
  const of = (db: Kysely<DB>) => {
    const found = known.get(db)
    if (found) return found
    const created = new LRUCache<string, true>({ max, ttl: ttlMs })
    known.set(db, created)
    return created
  }
  const remembered: RememberedKeys = {
    has: (db, key) => of(db).has(key),
    add: (db, key) => {
      of(db).set(key, true)
    },
    forget: () => {
      known = new WeakMap()
    },
  }
  everyCache.push(remembered)
  return remembered
}

/** After the tables were emptied behind the caches' backs (between tests). */
export function forgetCachedReads(): void {
  for (const cached of everyCache) cached.forget()
}

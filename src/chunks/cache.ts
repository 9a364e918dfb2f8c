import { LRUCache } from 'lru-cache'
import type { ChunkDetail } from './queries'

/**
 * The last hundred chunks read by id, kept for five minutes. Only a cache: another process may
 * change a chunk without telling this one, so the TTL bounds how stale a read can be, and every
 * change made here forgets the chunks it touched at once.
 * Why, and what measures it: it was added for generation reading one chunk per conversation, but
 * generation now reads a batch's chunks in one query and keeps their text on each conversation;
 * only the chunk page and GET /api/chunks/:id read through it, and no bench measures it
 * (test/bench/chunks.bench.ts times lists and search).
 */
export const CHUNK_CACHE_SIZE = 100
export const CHUNK_CACHE_TTL_MS = 5 * 60_000

const cache = new LRUCache<string, ChunkDetail>({ max: CHUNK_CACHE_SIZE, ttl: CHUNK_CACHE_TTL_MS })

/** The cached chunk, or `load`'s answer (kept when found). */
export async function cachedChunk(id: string, load: (id: string) => Promise<ChunkDetail | undefined>): Promise<ChunkDetail | undefined> {
  const hit = cache.get(id)
  if (hit) return hit
  const chunk = await load(id)
  if (chunk) cache.set(id, chunk)
  return chunk
}

/** Forgets the given chunks, or every chunk of a document (after re-chunking, deleting or analysing). */
export function forgetChunks(which: string[] | { document_id: string }): void {
  if (Array.isArray(which)) {
    for (const id of which) cache.delete(id)
    return
  }
  for (const [id, chunk] of cache.entries()) if (chunk.document_id === which.document_id) cache.delete(id)
}

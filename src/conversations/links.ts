import type { Kysely } from 'kysely'
import { z } from 'zod'
import { loadChunk } from '../chunks/queries'
import type { ChunkContext, DB } from '../db/schema'
import { Conflict, NotFound } from '../errors'
import { optionalField, single } from '../http/params'

/**
 * Linking a conversation to the chunk it is grounded in, by hand: after its chunk was deleted or
 * re-chunked away (an orphan), or to ground one that was written without a source.
 *
 * Linking copies the chunk into the row (chunk_context: text, heading path, document id and title;
 * dimension_source), so the conversation keeps its source even if the chunk goes later. Unlinking
 * on purpose clears all three: the conversation is then simply not grounded, and is not listed as an
 * orphan (an orphan is a conversation whose link was lost, not removed).
 */

export const LinkInput = z.object({
  chunk_id: z.preprocess((v) => (typeof single(v) === 'string' ? String(single(v)).trim() : single(v)), z.uuid({ error: 'must be a chunk id' })),
  /** Optional: the revision the linker saw; a stale one is a 409. */
  version: optionalField(z.coerce.number({ error: 'must be the version you saw' }).int().min(1)),
})

/** The chunk to link to is not there (a mistyped id, or deleted or re-chunked meanwhile). */
export class NoSuchChunk extends NotFound {
  constructor() {
    super('No such chunk (it may have been deleted or re-chunked).')
  }
}
export type LinkInput = z.infer<typeof LinkInput>

export type LinkResult = { id: string; version: number; parent_chunk_id: string | null; chunk_context: ChunkContext | null }

async function missingOrStale(db: Kysely<DB>, id: string, seen: number | undefined): Promise<never> {
  const current = await db.selectFrom('conversations').select('version').where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()
  if (!current) throw new NotFound('No such conversation (it may have been deleted).')
  throw new Conflict(
    `This conversation changed since you opened it (you saw revision ${seen}, it is now revision ${current.version}). Reload it and try again.`,
    {
      version: current.version,
    },
  )
}

/** Links a live conversation to a chunk (read fresh, not from the cache: a deleted chunk must be a 404). */
export async function linkChunk(db: Kysely<DB>, id: string, input: LinkInput): Promise<LinkResult> {
  const chunk = await loadChunk(db, input.chunk_id)
  if (!chunk) throw new NoSuchChunk()
  const context: ChunkContext = {
    chunk_id: chunk.id,
    document_id: chunk.document_id,
    document_title: chunk.document_title,
    heading_path: chunk.heading_path,
    text: chunk.text,
  }
  const row = await db
    .updateTable('conversations')
    .set((eb) => ({
      parent_chunk_id: chunk.id,
      chunk_context: JSON.stringify(context),
      dimension_source: chunk.dimension_source === null ? null : JSON.stringify(chunk.dimension_source),
      version: eb('version', '+', 1),
      updated_at: new Date(),
    }))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .$if(input.version !== undefined, (q) => q.where('version', '=', input.version!))
    // The chunk may go between the read and this write; the link must not point at nothing.
    .where((eb) => eb.exists(eb.selectFrom('chunks').select('chunks.id').where('chunks.id', '=', chunk.id)))
    .returning(['id', 'version', 'parent_chunk_id', 'chunk_context'])
    .executeTakeFirst()
  if (row) return row
  const still = await db.selectFrom('chunks').select('id').where('id', '=', chunk.id).executeTakeFirst()
  if (!still) throw new NoSuchChunk()
  return missingOrStale(db, id, input.version)
}

/** Removes the link and the saved source; unlinking a conversation that has none changes nothing. */
export async function unlinkChunk(db: Kysely<DB>, id: string): Promise<LinkResult & { changed: boolean }> {
  const row = await db
    .updateTable('conversations')
    .set((eb) => ({ parent_chunk_id: null, chunk_context: null, dimension_source: null, version: eb('version', '+', 1), updated_at: new Date() }))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('chunk_context', 'is not', null), eb('parent_chunk_id', 'is not', null)]))
    .returning(['id', 'version', 'parent_chunk_id', 'chunk_context'])
    .executeTakeFirst()
  if (row) return { ...row, changed: true }
  const current = await db.selectFrom('conversations').select(['id', 'version']).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst()
  if (!current) throw new NotFound('No such conversation (it may have been deleted).')
  return { ...current, parent_chunk_id: null, chunk_context: null, changed: false }
}

/** Whether a chunk exists (by-chunk lists answer 404 for one that does not). */
export async function chunkExists(db: Kysely<DB>, id: string): Promise<boolean> {
  return (await db.selectFrom('chunks').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
}

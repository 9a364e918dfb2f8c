import { type Kysely, sql, type Transaction } from 'kysely'
import { forgetChunks } from '../chunks/cache'
import type { Chunk, ChunkOptions } from '../chunks/chunker'
import { addJob } from '../db/jobs'
import { cursorAt, newestFirstPage } from '../db/newest-first'
import type { DB, DocumentFormatName, DocumentStatus } from '../db/schema'
import { Conflict } from '../errors'
import type { Section } from './sections'

export const INGEST_TASK = 'ingest_document'

/** What the ingest task is doing, shown live on the document page. */
export type IngestProgress = { step: 'queued' | 'extracting' | 'chunking' | 'saving'; chunks?: number }

/** A document as lists and pages show it: never its bytes or its whole text. */
export type DocumentRow = {
  id: string
  title: string
  filename: string | null
  format: DocumentFormatName
  bytes: number
  sha256: string
  status: DocumentStatus
  error: string | null
  progress: IngestProgress | null
  chunk_count: number
  chunk_options: ChunkOptions
  encoding: string | null
  created_by: string | null
  created_by_email: string | null
  created_at: Date
  updated_at: Date
}

export type NewDocument = {
  title: string
  filename: string | null
  format: DocumentFormatName
  bytes: number
  sha256: string
  chunkOptions: ChunkOptions
  createdBy: string
} & ({ source: Uint8Array } | { text: string; sections: Section[]; encoding: string | null })

function selectDocuments(db: Kysely<DB>) {
  return db
    .selectFrom('documents')
    .leftJoin('users', 'users.id', 'documents.created_by')
    .select([
      'documents.id',
      'documents.title',
      'documents.filename',
      'documents.format',
      'documents.bytes',
      'documents.sha256',
      'documents.status',
      'documents.error',
      'documents.progress',
      'documents.chunk_count',
      'documents.chunk_options',
      'documents.encoding',
      'documents.created_by',
      'users.email as created_by_email',
      'documents.created_at',
      'documents.updated_at',
    ])
}

function toRow<T extends { bytes: number | string; progress: unknown }>(row: T) {
  return { ...row, bytes: Number(row.bytes), progress: row.progress as IngestProgress | null }
}

export async function findDocument(db: Kysely<DB>, id: string): Promise<DocumentRow | undefined> {
  const row = await selectDocuments(db).where('documents.id', '=', id).executeTakeFirst()
  return row && toRow(row)
}

/** 409 naming the document that already holds this content (a failed one must be deleted before trying again). */
export function duplicateOf(existing: { id: string; title: string; status: DocumentStatus }): Conflict {
  const hint = existing.status === 'failed' ? ' It failed to process: delete it to upload this content again.' : ''
  return new Conflict(`This content was uploaded already as "${existing.title}" (document ${existing.id}).${hint}`, {
    existing: { id: existing.id, title: existing.title },
  })
}

/**
 * The document and its ingest job, in one transaction: both exist or neither does. The same
 * content twice is refused with 409 naming the first (the unique sha256 settles a race).
 */
export async function insertDocument(db: Kysely<DB>, input: NewDocument): Promise<DocumentRow> {
  const existing = await db.selectFrom('documents').select(['id', 'title', 'status']).where('sha256', '=', input.sha256).executeTakeFirst()
  if (existing) throw duplicateOf(existing)
  const id = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('documents')
      .values({
        title: input.title,
        filename: input.filename,
        format: input.format,
        bytes: input.bytes,
        sha256: input.sha256,
        status: 'processing',
        progress: JSON.stringify({ step: 'queued' } satisfies IngestProgress),
        chunk_options: JSON.stringify(input.chunkOptions),
        created_by: input.createdBy,
        ...('source' in input
          ? { source: Buffer.from(input.source.buffer, input.source.byteOffset, input.source.byteLength) }
          : { text: input.text, sections: JSON.stringify(input.sections), encoding: input.encoding }),
      })
      .onConflict((oc) => oc.column('sha256').doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!row) return undefined
    await enqueueIngest(trx, row.id)
    return row.id
  })
  if (!id) {
    const winner = await db.selectFrom('documents').select(['id', 'title', 'status']).where('sha256', '=', input.sha256).executeTakeFirstOrThrow()
    throw duplicateOf(winner)
  }
  return (await findDocument(db, id))!
}

/** The job key makes a second enqueue for the same document (while one waits) a no-op. */
async function enqueueIngest(trx: Transaction<DB>, documentId: string): Promise<void> {
  await addJob(trx, INGEST_TASK, { documentId }, { maxAttempts: 3, jobKey: `document:${documentId}` })
}

// ---------------------------------------------------------------- list

export type DocumentListQuery = { q?: string; cursor?: string; limit: number }
export type DocumentPage = { items: DocumentRow[]; next_cursor: string | null }

/** Newest first, keyset-paged on (created_at, id). */
export async function listDocuments(db: Kysely<DB>, query: DocumentListQuery): Promise<DocumentPage> {
  let select = selectDocuments(db).select(cursorAt('documents.created_at'))
  if (query.q) select = select.where(sql<boolean>`documents.search @@ websearch_to_tsquery('english', ${query.q})`)
  return newestFirstPage(select, { at: 'documents.created_at', id: 'documents.id' }, query, toRow)
}

// ---------------------------------------------------------------- chunks in reading order

export type ChunkPreview = { id: string; ordinal: number; heading_path: string[]; tokens: number; preview: string }

/** A page of the document's chunks from `from` (an ordinal), with the first few hundred characters of each. */
export async function listDocumentChunks(db: Kysely<DB>, documentId: string, { from, limit }: { from: number; limit: number }) {
  const rows = await db
    .selectFrom('chunks')
    .select(['id', 'ordinal', 'heading_path', 'tokens', sql<string>`left(text, 280)`.as('preview')])
    .where('document_id', '=', documentId)
    .where('ordinal', '>=', from)
    .orderBy('ordinal')
    .limit(limit + 1)
    .execute()
  return { items: rows.slice(0, limit) as ChunkPreview[], next: rows.length > limit ? rows[limit]!.ordinal : undefined }
}

// ---------------------------------------------------------------- delete and rechunk

/**
 * Deletes the document; its chunks go with it (cascade) and conversations grounded in them keep
 * their chunk_context while parent_chunk_id becomes null (the foreign key's on delete set null).
 */
export async function deleteDocument(db: Kysely<DB>, id: string): Promise<boolean> {
  const row = await db.deleteFrom('documents').where('id', '=', id).returning('id').executeTakeFirst()
  forgetChunks({ document_id: id })
  return Boolean(row)
}

/**
 * Queues a re-chunk from the stored text with new options. Refused (409) while the document is
 * being processed, when it has no text to cut (it failed to extract), and while conversations
 * generated from its chunks are queued or generating: their batch still needs those chunks.
 */
export async function requestRechunk(db: Kysely<DB>, id: string, options: ChunkOptions): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const doc = await trx
      .selectFrom('documents')
      .select(['id', 'status', sql<boolean>`text is not null`.as('has_text')])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst()
    if (!doc) return false
    if (doc.status === 'processing') throw new Conflict('The document is still being processed: wait until it is ready, then re-chunk it.')
    if (!doc.has_text) throw new Conflict('The document has no extracted text to re-chunk (it failed): delete it and upload a readable copy.')
    const running = await trx
      .selectFrom('conversations')
      .select('conversations.batch_id')
      .where('conversations.parent_chunk_id', 'in', (eb) => eb.selectFrom('chunks').select('chunks.id').where('chunks.document_id', '=', id))
      .where('conversations.status', 'in', ['queued', 'generating'])
      .limit(1)
      .executeTakeFirst()
    if (running) {
      throw new Conflict(
        `A batch is generating conversations from this document's chunks${running.batch_id ? ` (batch ${running.batch_id})` : ''}: re-chunk it when that batch has finished or is cancelled.`,
      )
    }
    await trx
      .updateTable('documents')
      .set({
        status: 'processing',
        error: null,
        progress: JSON.stringify({ step: 'queued' } satisfies IngestProgress),
        chunk_options: JSON.stringify(options),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .execute()
    await enqueueIngest(trx, id)
    return true
  })
}

// ---------------------------------------------------------------- the ingest task's writes

export type IngestInput = {
  status: DocumentStatus
  filename: string | null
  format: DocumentFormatName
  source: Buffer | null
  text: string | null
  sections: Section[] | null
  chunk_options: ChunkOptions
}

export async function findIngestInput(db: Kysely<DB>, id: string): Promise<IngestInput | undefined> {
  return db
    .selectFrom('documents')
    .select(['status', 'filename', 'format', 'source', 'text', 'sections', 'chunk_options'])
    .where('id', '=', id)
    .executeTakeFirst()
}

/** Shown while the task works; written on its own (outside the final transaction) so pages see it. */
export async function setIngestProgress(db: Kysely<DB>, id: string, progress: IngestProgress): Promise<void> {
  await db
    .updateTable('documents')
    .set({ progress: JSON.stringify(progress) })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .execute()
}

export async function markDocumentFailed(db: Kysely<DB>, id: string, reason: string): Promise<void> {
  await db
    .updateTable('documents')
    .set({ status: 'failed', error: reason, progress: null, source: null, chunk_count: 0, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .execute()
}

/** Rows per insert: large enough to be few statements, small enough to keep each parameter modest. */
const CHUNKS_PER_INSERT = 2000

/**
 * The finished document in one transaction: its old chunks (a re-chunk) replaced by the new ones,
 * its text and sections stored, its bytes cleared, status ready. Nothing is half-made: either all
 * of this commits or the document is still processing and the job retries. A document deleted or
 * settled meanwhile is left alone (false).
 */
export async function saveChunks(
  db: Kysely<DB>,
  id: string,
  result: { title?: string; text: string; sections: Section[]; encoding?: string | null; chunks: Chunk[] },
): Promise<boolean> {
  const saved = await db.transaction().execute(async (trx) => {
    const doc = await trx.selectFrom('documents').select('status').where('id', '=', id).forUpdate().executeTakeFirst()
    if (doc?.status !== 'processing') return false
    await trx.deleteFrom('chunks').where('document_id', '=', id).execute()
    for (let i = 0; i < result.chunks.length; i += CHUNKS_PER_INSERT) {
      const rows = result.chunks.slice(i, i + CHUNKS_PER_INSERT)
      await sql`insert into chunks (document_id, ordinal, heading_path, text, tokens, char_start, char_end)
        select ${id}::uuid, c.ordinal, array(select jsonb_array_elements_text(c.heading_path)), c.text, c.tokens, c.char_start, c.char_end
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as c(ordinal int, heading_path jsonb, text text, tokens int, char_start int, char_end int)`.execute(trx)
    }
    await trx
      .updateTable('documents')
      .set({
        status: 'ready',
        error: null,
        progress: null,
        source: null,
        text: result.text,
        sections: JSON.stringify(result.sections),
        chunk_count: result.chunks.length,
        updated_at: sql`now()`,
        ...(result.title ? { title: result.title } : {}),
        ...(result.encoding !== undefined ? { encoding: result.encoding } : {}),
      })
      .where('id', '=', id)
      .execute()
    return true
  })
  // The old chunks are gone: a cached read of one must not outlive them.
  if (saved) forgetChunks({ document_id: id })
  return saved
}

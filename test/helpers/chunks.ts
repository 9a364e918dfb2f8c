import { createHash } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../../src/db/schema'

export type SeededDocument = { id: string; title: string; chunkIds: string[] }

/**
 * A ready document with one chunk per text, inserted directly (the documents side has its own
 * tests). Chunk i gets ordinal i and the heading path ['Part', `Section i+1`] unless given.
 */
export async function insertDocumentWithChunks(
  db: Kysely<DB>,
  title: string,
  texts: string[],
  options: { headings?: string[][]; createdAt?: Date } = {},
): Promise<SeededDocument> {
  const text = texts.join('\n\n')
  const document = await db
    .insertInto('documents')
    .values({
      title,
      format: 'text',
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(`${title}\n${text}`).digest('hex'),
      status: 'ready',
      chunk_count: texts.length,
      chunk_options: JSON.stringify({ max_tokens: 500, overlap_tokens: 50, by_headings: true }),
      text,
      ...(options.createdAt ? { created_at: options.createdAt } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  let offset = 0
  const rows = texts.map((chunkText, ordinal) => {
    const row = {
      document_id: document.id,
      ordinal,
      heading_path: options.headings?.[ordinal] ?? ['Part', `Section ${ordinal + 1}`],
      text: chunkText,
      tokens: Math.ceil(chunkText.length / 4),
      char_start: offset,
      char_end: offset + chunkText.length,
      ...(options.createdAt ? { created_at: options.createdAt } : {}),
    }
    offset += chunkText.length + 2
    return row
  })
  const chunks = texts.length ? await db.insertInto('chunks').values(rows).returning(['id', 'ordinal']).execute() : []
  return { id: document.id, title, chunkIds: chunks.sort((a, b) => a.ordinal - b.ordinal).map((c) => c.id) }
}

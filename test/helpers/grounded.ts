import type { Kysely } from 'kysely'
import type { ChunkContext, ConversationStatus, DB } from '../../src/db/schema'

let clock = Date.parse('2026-03-01T00:00:00Z')

/**
 * A generated conversation grounded in a chunk, inserted directly: parent_chunk_id and a
 * chunk_context copied from the chunk and its document, as grounded generation leaves them.
 * Without a chunk, an ordinary (ungrounded) conversation. created_at rises with each call.
 */
export async function insertGroundedConversation(
  db: Kysely<DB>,
  chunkId: string | null,
  fields: { title?: string; status?: ConversationStatus; turns?: string[] } = {},
): Promise<{ id: string; context: ChunkContext | null }> {
  clock += 60_000
  let context: ChunkContext | null = null
  if (chunkId) {
    const chunk = await db
      .selectFrom('chunks')
      .innerJoin('documents', 'documents.id', 'chunks.document_id')
      .select(['chunks.id', 'chunks.document_id', 'documents.title', 'chunks.heading_path', 'chunks.text'])
      .where('chunks.id', '=', chunkId)
      .executeTakeFirstOrThrow()
    context = { chunk_id: chunk.id, document_id: chunk.document_id, document_title: chunk.title, heading_path: chunk.heading_path, text: chunk.text }
  }
  const turns = (fields.turns ?? ['What is the refund window?', 'Refunds are issued within fourteen days.']).map((content, i) => ({
    role: i % 2 ? ('assistant' as const) : ('user' as const),
    content,
  }))
  const row = await db
    .insertInto('conversations')
    .values({
      tier: 'T1',
      status: fields.status ?? 'pending_review',
      title: fields.title ?? 'A grounded conversation',
      parameters: '{}',
      turns: JSON.stringify(turns),
      turn_count: turns.length,
      parent_chunk_id: chunkId,
      chunk_context: context === null ? null : JSON.stringify(context),
      created_at: new Date(clock),
      updated_at: new Date(clock),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { id: row.id, context }
}

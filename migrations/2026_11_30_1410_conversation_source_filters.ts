import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The dashboard's source filters: "from this document" reads the document id the conversation kept
// in chunk_context (so conversations whose chunk was re-chunked away still count), and "grounded"
// walks only the grounded rows in the default order instead of scanning every conversation.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index conversations_document_idx on conversations ((chunk_context->>'document_id'), created_at, id) where chunk_context is not null`.execute(db)
  await sql`create index conversations_grounded_idx on conversations (created_at, id) where chunk_context is not null and deleted_at is null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists conversations_grounded_idx`.execute(db)
  await sql`drop index if exists conversations_document_idx`.execute(db)
}

import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Source documents, the chunks cut from them, and the link from a conversation to the chunk it was
// grounded in. The uploaded bytes stay in Postgres (the only state every process shares) until the
// ingest task has extracted their text; the text is kept so a document can be re-chunked.

const id = sql`gen_random_uuid()`
const now = sql`now()`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('documents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('text', 'markdown', 'html', 'pdf', 'docx')`))
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    // The same content uploaded twice is one document (409 names the first).
    .addColumn('sha256', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('processing').check(sql`status in ('processing', 'ready', 'failed')`))
    .addColumn('error', 'text')
    // What the ingest task is doing, for the live progress on the document page.
    .addColumn('progress', 'jsonb')
    .addColumn('chunk_count', 'integer', (c) => c.notNull().defaultTo(0))
    // The chunking settings this document was (or will be) cut with: {max_tokens, overlap_tokens, by_headings}.
    .addColumn('chunk_options', 'jsonb', (c) => c.notNull())
    .addColumn('source', 'bytea')
    .addColumn('text', 'text')
    .addColumn('sections', 'jsonb')
    .addColumn('encoding', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`to_tsvector('english'::regconfig, title || ' ' || coalesce(filename, ''))`).stored(),
    )
    .execute()
  await sql`create index documents_list_idx on documents (created_at, id)`.execute(db)
  await sql`create index documents_search_idx on documents using gin (search)`.execute(db)

  // array_to_string is only STABLE (it calls type output functions); for text[] it cannot change, and
  // a generated column needs an IMMUTABLE expression.
  await sql`create function heading_words(text[]) returns text language sql immutable parallel safe as $$ select array_to_string($1, ' ') $$`.execute(db)
  await db.schema
    .createTable('chunks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('document_id', 'uuid', (c) => c.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('ordinal', 'integer', (c) => c.notNull())
    .addColumn('heading_path', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('tokens', 'integer', (c) => c.notNull())
    .addColumn('char_start', 'integer', (c) => c.notNull())
    .addColumn('char_end', 'integer', (c) => c.notNull())
    // Every dimension's {score, confidence}, once analysed, and what the dimension parser made of it.
    .addColumn('dimensions', 'jsonb')
    .addColumn('dimension_source', 'jsonb')
    // Denormalised from dimension_source so the chunk browser's filters use indexes.
    .addColumn('personas', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('emotions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('topics', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('complexity', 'smallint')
    .addColumn('analyzed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`
        setweight(to_tsvector('english'::regconfig, heading_words(heading_path)), 'A') ||
        setweight(to_tsvector('english'::regconfig, text), 'B')`).stored(),
    )
    .addUniqueConstraint('chunks_document_ordinal_key', ['document_id', 'ordinal'])
    .execute()
  // Keyset lists: newest first across documents, and in reading order within one.
  await sql`create index chunks_list_idx on chunks (created_at, id)`.execute(db)
  await sql`create index chunks_search_idx on chunks using gin (search)`.execute(db)
  await sql`create index chunks_dimensions_idx on chunks using gin (personas, emotions, topics)`.execute(db)
  await sql`create index chunks_complexity_idx on chunks (complexity, created_at, id)`.execute(db)
  await sql`create index chunks_analyzed_idx on chunks (analyzed_at) where analyzed_at is null`.execute(db)

  await db.schema
    .alterTable('conversations')
    // The chunk goes, the link goes; the text it was generated from stays in chunk_context.
    .addColumn('parent_chunk_id', 'uuid', (c) => c.references('chunks.id').onDelete('set null'))
    .addColumn('chunk_context', 'jsonb')
    .addColumn('dimension_source', 'jsonb')
    .execute()
  await sql`create index conversations_parent_chunk_idx on conversations (parent_chunk_id) where parent_chunk_id is not null`.execute(db)
  // Orphans: grounded once (chunk_context kept) but their chunk was deleted or re-chunked away.
  await sql`create index conversations_orphaned_idx on conversations (created_at, id) where chunk_context is not null and parent_chunk_id is null and deleted_at is null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists conversations_orphaned_idx`.execute(db)
  await sql`drop index if exists conversations_parent_chunk_idx`.execute(db)
  await db.schema.alterTable('conversations').dropColumn('dimension_source').dropColumn('chunk_context').dropColumn('parent_chunk_id').execute()
  await db.schema.dropTable('chunks').execute()
  await sql`drop function heading_words(text[])`.execute(db)
  await db.schema.dropTable('documents').execute()
}

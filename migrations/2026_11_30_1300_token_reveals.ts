import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// A token made on the tokens page waits here, sealed, for the page the browser is redirected to
// (Post/Redirect/Get), so reloading that page shows it at most once and creates nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('token_reveals')
    .addColumn('token_id', 'uuid', (c) => c.primaryKey().references('api_tokens.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('token_reveals_session_id_idx').on('token_reveals').column('session_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('token_reveals').execute()
}

import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Unsaved template forms, kept per user as they type, and the indexes the templates area lists by.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('template_drafts')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // 'new' for the form of a template not yet saved, else the template's id.
    .addColumn('draft_key', 'text', (c) => c.notNull())
    .addColumn('fields', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('template_drafts_pkey', ['user_id', 'draft_key'])
    .execute()

  // The templates list: newest change first, keyset on (updated_at, id).
  await db.schema.createIndex('templates_updated_at_id_idx').on('templates').columns(['updated_at desc', 'id desc']).execute()
  await db.schema.createIndex('scenarios_template_id_name_idx').on('scenarios').columns(['template_id', 'name', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scenarios_template_id_name_idx').execute()
  await db.schema.dropIndex('templates_updated_at_id_idx').execute()
  await db.schema.dropTable('template_drafts').execute()
}

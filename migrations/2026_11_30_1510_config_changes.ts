import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The audit trail: one row for every change of configuration (preferences, AI and review settings,
// users, API tokens, retention), with who, when, and the old and new values.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('config_changes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('old_value', 'jsonb')
    .addColumn('new_value', 'jsonb')
    .addColumn('rolled_back_from', 'uuid', (c) => c.references('config_changes.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('config_changes_created_at_idx').on('config_changes').columns(['created_at desc', 'id desc']).execute()
  await db.schema.createIndex('config_changes_type_created_at_idx').on('config_changes').columns(['type', 'created_at desc']).execute()
  await db.schema.createIndex('config_changes_user_id_idx').on('config_changes').column('user_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('config_changes').execute()
}

import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// One table of drafts for every long form (template, scenario, edge case, generate, settings, review
// comment), kept per user and form key as they type. It replaces template_drafts, whose rows move here
// under the keys 'template:new' and 'template:<id>'.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('drafts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull().check(sql`length(key) between 1 and 200`))
    .addColumn('fields', 'jsonb', (c) => c.notNull())
    // The version of the thing the form edits when the draft was started (null: nothing versioned).
    .addColumn('base_version', 'integer')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('drafts_user_id_key_key', ['user_id', 'key'])
    .execute()
  await sql`
    insert into drafts (user_id, key, fields, base_version, updated_at)
    select user_id, 'template:' || draft_key, fields - 'base_version',
           case when fields->>'base_version' ~ '^[0-9]{1,9}$' then (fields->>'base_version')::integer end, updated_at
    from template_drafts`.execute(db)
  await db.schema.dropTable('template_drafts').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('template_drafts')
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('draft_key', 'text', (c) => c.notNull())
    .addColumn('fields', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('template_drafts_pkey', ['user_id', 'draft_key'])
    .execute()
  await sql`
    insert into template_drafts (user_id, draft_key, fields, updated_at)
    select user_id, substr(key, 10),
           case when base_version is null then fields else fields || jsonb_build_object('base_version', base_version::text) end, updated_at
    from drafts where key like 'template:%'`.execute(db)
  await db.schema.dropTable('drafts').execute()
}

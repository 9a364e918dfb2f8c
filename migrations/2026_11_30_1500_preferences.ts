import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// A user's preferences as one JSON object of what they changed (the app's schema fills in the
// defaults); the rows-per-page column moves into it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('user_preferences').addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`)).execute()
  await sql`update user_preferences set settings = jsonb_build_object('rows_per_page', least(page_size, 200)) where page_size <> 50`.execute(db)
  await db.schema.alterTable('user_preferences').dropColumn('page_size').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('user_preferences').addColumn('page_size', 'integer', (c) => c.notNull().defaultTo(50)).execute()
  await sql`update user_preferences set page_size = coalesce((settings ->> 'rows_per_page')::int, 50)`.execute(db)
  await db.schema.alterTable('user_preferences').dropColumn('settings').execute()
}

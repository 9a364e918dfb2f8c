import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Status is the filter the dashboard is used with most. With it, every offered sort walks its own
// status-first index, instead of walking the whole sort index hoping the status comes up (which
// goes badly when other filters correlate with the sort key, e.g. titles and personas).

const LIVE = sql`deleted_at is null`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index conversations_list_status_updated_idx on conversations (status, updated_at, id) where ${LIVE}`.execute(db)
  await sql`create index conversations_list_status_quality_idx on conversations (status, (coalesce(quality_score, -1)), id) where ${LIVE}`.execute(db)
  await sql`create index conversations_list_status_title_idx on conversations (status, title, id) where ${LIVE}`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of ['conversations_list_status_title_idx', 'conversations_list_status_quality_idx', 'conversations_list_status_updated_idx']) {
    await db.schema.dropIndex(name).execute()
  }
}

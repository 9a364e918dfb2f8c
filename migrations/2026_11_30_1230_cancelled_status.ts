import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// A conversation whose batch was cancelled before it was generated is `cancelled`, not `failed`:
// it is no failure and nothing should offer to retry it. Rows cancelled before this migration
// (failed with code `cancelled`) take the new status.

const WITHOUT_CANCELLED = sql`status in ('draft', 'queued', 'generating', 'pending_review', 'approved', 'rejected', 'needs_revision', 'failed')`
const WITH_CANCELLED = sql`status in ('draft', 'queued', 'generating', 'pending_review', 'approved', 'rejected', 'needs_revision', 'failed', 'cancelled')`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table conversations drop constraint conversations_status_check`.execute(db)
  await sql`alter table conversations add constraint conversations_status_check check (${WITH_CANCELLED})`.execute(db)
  await sql`update conversations set status = 'cancelled', error_code = null, error_message = null
    where status = 'failed' and error_code = 'cancelled'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update conversations set status = 'failed', error_code = 'cancelled',
    error_message = 'The batch was cancelled before this conversation was generated.' where status = 'cancelled'`.execute(db)
  await sql`alter table conversations drop constraint conversations_status_check`.execute(db)
  await sql`alter table conversations add constraint conversations_status_check check (${WITHOUT_CANCELLED})`.execute(db)
}

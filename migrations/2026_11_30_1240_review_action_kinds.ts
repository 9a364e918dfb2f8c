import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Every status change is recorded, not only reviewers' decisions: a regeneration, a roll-back, an
// edit that sends a reviewed conversation back to review, and an editor resubmitting one that was
// sent back for changes.

const BEFORE = ['approve', 'reject', 'request_changes', 'undo', 'move_to_review', 'auto_approve', 'auto_reject']
const AFTER = [...BEFORE, 'regenerated', 'rolled_back', 'edited', 'resubmitted']

async function allow(db: Kysely<any>, actions: string[]): Promise<void> {
  await sql`alter table review_actions drop constraint review_actions_action_check`.execute(db)
  await sql`alter table review_actions add constraint review_actions_action_check check (action in (${sql.join(actions.map((a) => sql.lit(a)))}))`.execute(db)
}

export async function up(db: Kysely<any>): Promise<void> {
  await allow(db, AFTER)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from review_actions where action in (${sql.join(AFTER.filter((a) => !BEFORE.includes(a)).map((a) => sql.lit(a)))})`.execute(db)
  await allow(db, BEFORE)
}

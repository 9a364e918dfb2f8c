import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Transient Claude errors are retried until a time budget (ai_settings.retry_budget_minutes) that
// runs from the conversation's first attempt (conversations.first_attempt_at). Temperature is no
// longer set (the Messages API no longer takes it): the column stays so past settings stay readable.
// A single generation keeps its own max_tokens; a result trimmed to the template's turn range
// keeps how many turns the model returned.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table ai_settings add column retry_budget_minutes integer not null default 30`.execute(db)
  await sql`alter table ai_settings alter column temperature drop not null`.execute(db)
  await sql`alter table conversations
    add column first_attempt_at timestamptz,
    add column max_tokens integer,
    add column trimmed_from_turns integer`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table conversations drop column first_attempt_at, drop column max_tokens, drop column trimmed_from_turns`.execute(db)
  await sql`update ai_settings set temperature = 0.8 where temperature is null`.execute(db)
  await sql`alter table ai_settings alter column temperature set not null`.execute(db)
  await sql`alter table ai_settings drop column retry_budget_minutes`.execute(db)
}

import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
//
// The quality page counted 200,000 decisions (30 days) and grouped 1,000,000 conversations on every
// view: 2 s at a million. These tables hold the same figures already counted, kept by triggers in
// the transaction that changes them, so no code path can forget them. A trigger only appends a
// change (+1 here, -1 there): concurrent writers never wait on one counter row. The
// compact_rollups task folds the appended changes into one row per key every minute; readers sum
// whatever is there.
//
// A decision counts while it is not undone and its conversation is live (not in the trash), with the
// conversation's template and current quality score, in the quarter hour it was made: every time
// zone's days begin on a quarter hour, so any zone's days are whole buckets.

const DECISION = sql`in ('approve', 'reject', 'request_changes', 'auto_approve', 'auto_reject')`
const BUCKET = (at: string) => sql.raw(`date_bin('15 minutes', ${at}, timestamptz '2000-01-01 00:00:00+00')`)

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table review_decision_counts (
    bucket timestamptz not null,
    template_id uuid,
    reviewer_id uuid,
    to_status text not null,
    decided integer not null,
    quality_sum numeric not null,
    quality_n integer not null,
    compacted boolean not null default false
  )`.execute(db)
  await sql`create index review_decision_counts_bucket_idx on review_decision_counts (bucket)`.execute(db)
  await sql`create index review_decision_counts_new_idx on review_decision_counts (bucket) where not compacted`.execute(db)

  await sql`create table review_reason_counts (
    bucket timestamptz not null,
    template_id uuid,
    reason text not null,
    n integer not null,
    compacted boolean not null default false
  )`.execute(db)
  await sql`create index review_reason_counts_bucket_idx on review_reason_counts (bucket)`.execute(db)
  await sql`create index review_reason_counts_new_idx on review_reason_counts (bucket) where not compacted`.execute(db)

  // Live conversations by template, status and tier, with their scores and cost: the quality page's
  // table, and the dashboard's summary when it is filtered by no more than these.
  await sql`create table conversation_status_counts (
    template_id uuid,
    status text not null,
    tier text not null,
    n integer not null,
    quality_sum numeric not null,
    quality_n integer not null,
    cost_sum numeric not null,
    compacted boolean not null default false
  )`.execute(db)
  await sql`create index conversation_status_counts_new_idx on conversation_status_counts (status) where not compacted`.execute(db)

  // One decision's share, added (sign 1) or taken away (-1), for the conversation's template and score.
  await sql`create function review_decision_share(a review_actions, template uuid, quality numeric, sign integer) returns void
    language plpgsql as $$
    begin
      insert into review_decision_counts (bucket, template_id, reviewer_id, to_status, decided, quality_sum, quality_n)
      values (${BUCKET('a.created_at')}, template, a.reviewer_id, a.to_status, sign, sign * coalesce(quality, 0), sign * (quality is not null)::int);
      if a.action in ('reject', 'auto_reject') then
        insert into review_reason_counts (bucket, template_id, reason, n)
        select ${BUCKET('a.created_at')}, template, reason, sign from unnest(a.reasons) as reason;
      end if;
    end $$`.execute(db)

  // A decision's share if it counts now (a decision, not undone, its conversation live).
  await sql`create function review_decision_recount(action_id uuid, sign integer) returns void
    language plpgsql as $$
    declare a review_actions; c record;
    begin
      select * into a from review_actions where id = action_id;
      if not found or a.action not ${DECISION} then return; end if;
      if exists (select 1 from review_actions u where u.undoes_id = a.id) then return; end if;
      select template_id, quality_score, deleted_at into c from conversations where id = a.conversation_id;
      if found and c.deleted_at is null then perform review_decision_share(a, c.template_id, c.quality_score, sign); end if;
    end $$`.execute(db)

  // New review actions: a decision adds its share; an undo takes away the share of the decision it
  // undoes, if that still counted. Row by row, each a lookup by key: a join with the statement's rows
  // (whose number the planner does not know) was planned as a scan of every conversation, 1 s at a million.
  await sql`create function review_actions_inserted() returns trigger language plpgsql as $$
    declare a review_actions; d review_actions; c record;
    begin
      for a in select * from inserted loop
        if a.action ${DECISION} and not exists (select 1 from review_actions u where u.undoes_id = a.id) then
          select template_id, quality_score, deleted_at into c from conversations where id = a.conversation_id;
          if found and c.deleted_at is null then perform review_decision_share(a, c.template_id, c.quality_score, 1); end if;
        end if;
        if a.undoes_id is not null then
          select * into d from review_actions where id = a.undoes_id;
          -- Not counted, so nothing to take away: a decision inserted along with its undo, or one undone already.
          if found and d.action ${DECISION}
            and not exists (select 1 from inserted i where i.id = d.id)
            and not exists (select 1 from review_actions o where o.undoes_id = d.id and o.id <> a.id) then
            select template_id, quality_score, deleted_at into c from conversations where id = d.conversation_id;
            if found and c.deleted_at is null then perform review_decision_share(d, c.template_id, c.quality_score, -1); end if;
          end if;
        end if;
      end loop;
      return null;
    end $$`.execute(db)
  await sql`create trigger review_actions_rollup_insert after insert on review_actions
    referencing new table as inserted for each statement execute function review_actions_inserted()`.execute(db)

  // Review actions changed or removed (a restored backup, a reviewer deleted): the old row's share
  // goes, the new row's comes; a removed undo lets its decision count again.
  await sql`create function review_actions_changed() returns trigger language plpgsql as $$
    declare c record;
    begin
      if old.action ${DECISION} and not exists (select 1 from review_actions u where u.undoes_id = old.id) then
        select template_id, quality_score, deleted_at into c from conversations where id = old.conversation_id;
        if found and c.deleted_at is null then perform review_decision_share(old, c.template_id, c.quality_score, -1); end if;
      end if;
      if old.undoes_id is not null and (tg_op = 'DELETE' or new.undoes_id is distinct from old.undoes_id) then
        perform review_decision_recount(old.undoes_id, 1);
      end if;
      if tg_op = 'UPDATE' then
        perform review_decision_recount(new.id, 1);
        if new.undoes_id is not null and new.undoes_id is distinct from old.undoes_id then
          -- Counted until now (this row did not undo it yet): take its share away.
          select template_id, quality_score, deleted_at into c from conversations
          where id = (select conversation_id from review_actions where id = new.undoes_id);
          if found and c.deleted_at is null and not exists (select 1 from review_actions o where o.undoes_id = new.undoes_id and o.id <> new.id) then
            perform review_decision_share(d, c.template_id, c.quality_score, -1) from review_actions d where d.id = new.undoes_id and d.action ${DECISION};
          end if;
        end if;
      end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger review_actions_rollup_change after update or delete on review_actions
    for each row execute function review_actions_changed()`.execute(db)

  // A conversation's decisions move when its template or score changes, go when it is trashed or
  // deleted, come back when it is restored.
  await sql`create function conversation_decisions_moved() returns trigger language plpgsql as $$
    declare a review_actions;
    begin
      for a in select * from review_actions ra where ra.conversation_id = old.id and ra.action ${DECISION}
        and not exists (select 1 from review_actions u where u.undoes_id = ra.id)
      loop
        if old.deleted_at is null then perform review_decision_share(a, old.template_id, old.quality_score, -1); end if;
        if tg_op = 'UPDATE' and new.deleted_at is null then perform review_decision_share(a, new.template_id, new.quality_score, 1); end if;
      end loop;
      if tg_op = 'DELETE' then return old; end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger conversations_decisions_update after update of template_id, quality_score, deleted_at on conversations
    for each row when (old.template_id is distinct from new.template_id or old.quality_score is distinct from new.quality_score
      or (old.deleted_at is null) <> (new.deleted_at is null))
    execute function conversation_decisions_moved()`.execute(db)
  // Before, while the review actions are still there (the delete cascades to them).
  await sql`create trigger conversations_decisions_delete before delete on conversations
    for each row when (old.deleted_at is null) execute function conversation_decisions_moved()`.execute(db)

  // Live conversations by template, status and tier.
  await sql`create function conversation_status_share(c conversations, sign integer) returns void
    language sql as $$
      insert into conversation_status_counts (template_id, status, tier, n, quality_sum, quality_n, cost_sum)
      values (c.template_id, c.status, c.tier, sign, sign * coalesce(c.quality_score, 0), sign * (c.quality_score is not null)::int, sign * c.cost_usd)
    $$`.execute(db)
  await sql`create function conversations_status_changed() returns trigger language plpgsql as $$
    begin
      if old.deleted_at is null then perform conversation_status_share(old, -1); end if;
      if new.deleted_at is null then perform conversation_status_share(new, 1); end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger conversations_status_update after update of status, template_id, tier, quality_score, cost_usd, deleted_at on conversations
    for each row when (old.status is distinct from new.status or old.template_id is distinct from new.template_id or old.tier is distinct from new.tier
      or old.quality_score is distinct from new.quality_score or old.cost_usd is distinct from new.cost_usd
      or (old.deleted_at is null) <> (new.deleted_at is null))
    execute function conversations_status_changed()`.execute(db)
  for (const [event, table, sign, fn] of [
    ['insert', 'new', 1, 'conversations_status_inserted'],
    ['delete', 'old', -1, 'conversations_status_deleted'],
  ] as const) {
    await sql`create function ${sql.raw(fn)}() returns trigger language plpgsql as $$
      begin
        insert into conversation_status_counts (template_id, status, tier, n, quality_sum, quality_n, cost_sum)
        select template_id, status, tier, ${sql.lit(sign)} * count(*), ${sql.lit(sign)} * coalesce(sum(quality_score), 0),
          ${sql.lit(sign)} * count(quality_score), ${sql.lit(sign)} * sum(cost_usd)
        from ${sql.raw(`${table}_rows`)} where deleted_at is null group by 1, 2, 3;
        return null;
      end $$`.execute(db)
    await sql`create trigger ${sql.raw(`conversations_status_${event}`)} after ${sql.raw(event)} on conversations
      referencing ${sql.raw(table)} table as ${sql.raw(`${table}_rows`)} for each statement execute function ${sql.raw(fn)}()`.execute(db)
  }

  // What is there already, counted once.
  await sql`insert into review_decision_counts (bucket, template_id, reviewer_id, to_status, decided, quality_sum, quality_n, compacted)
    select ${BUCKET('a.created_at')}, c.template_id, a.reviewer_id, a.to_status, count(*), coalesce(sum(c.quality_score), 0), count(c.quality_score), true
    from review_actions a join conversations c on c.id = a.conversation_id
    where a.action ${DECISION} and c.deleted_at is null and not exists (select 1 from review_actions u where u.undoes_id = a.id)
    group by 1, 2, 3, 4`.execute(db)
  await sql`insert into review_reason_counts (bucket, template_id, reason, n, compacted)
    select ${BUCKET('a.created_at')}, c.template_id, reason, count(*), true
    from review_actions a join conversations c on c.id = a.conversation_id cross join lateral unnest(a.reasons) as reason
    where a.action in ('reject', 'auto_reject') and c.deleted_at is null and not exists (select 1 from review_actions u where u.undoes_id = a.id)
    group by 1, 2, 3`.execute(db)
  await sql`insert into conversation_status_counts (template_id, status, tier, n, quality_sum, quality_n, cost_sum, compacted)
    select template_id, status, tier, count(*), coalesce(sum(quality_score), 0), count(quality_score), sum(cost_usd), true
    from conversations where deleted_at is null group by 1, 2, 3`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists review_actions_rollup_insert on review_actions`.execute(db)
  await sql`drop trigger if exists review_actions_rollup_change on review_actions`.execute(db)
  for (const name of ['conversations_decisions_update', 'conversations_decisions_delete', 'conversations_status_update', 'conversations_status_insert', 'conversations_status_delete']) {
    await sql`drop trigger if exists ${sql.id(name)} on conversations`.execute(db)
  }
  for (const fn of [
    'review_actions_inserted()',
    'review_actions_changed()',
    'conversation_decisions_moved()',
    'conversations_status_changed()',
    'conversations_status_inserted()',
    'conversations_status_deleted()',
    'review_decision_recount(uuid, integer)',
    'review_decision_share(review_actions, uuid, numeric, integer)',
    'conversation_status_share(conversations, integer)',
  ]) {
    await sql`drop function if exists ${sql.raw(fn)}`.execute(db)
  }
  await sql`drop table if exists review_decision_counts, review_reason_counts, conversation_status_counts`.execute(db)
}

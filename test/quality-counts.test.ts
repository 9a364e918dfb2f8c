import { sql } from 'kysely'
import { beforeEach, describe, expect, test } from 'vitest'
import { compactQualityCounts } from '../src/review/quality-counts'
import { type App, json, makeUser, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { insertConversations, makeReviewSource, type ReviewSource } from './helpers/review'

/**
 * The quality page's roll-ups must always say what counting the review history and the
 * conversations directly says, whatever changes them and whoever writes: the review API, an undo,
 * the trash, a new score, a deleted reviewer or template, a purge, a bulk insert, and compaction.
 */

let database: TestDatabase
let app: App
let reviewer: TestUser
let cookie: string
let source: ReviewSource

useApp('reviewer', (t) => ({ database, app, user: reviewer, cookie } = t))
beforeEach(async () => {
  source = await makeReviewSource(database.db)
})

const db = () => database.db
type Row = Record<string, string | number | null>

/** Rows as sorted, comparable strings. */
const canonical = (rows: Row[]) => rows.map((r) => JSON.stringify(Object.values(r).map((v) => (v === null ? null : String(v))))).sort()

/** Counted from the raw tables, as the quality page counted before the roll-ups. */
async function counted() {
  const live = sql`exists (select 1 from conversations c where c.id = a.conversation_id and c.deleted_at is null)`
  const notUndone = sql`not exists (select 1 from review_actions u where u.undoes_id = a.id)`
  const decisions = await sql<Row>`
    select date_bin('15 minutes', a.created_at, timestamptz '2000-01-01 00:00:00+00')::text as bucket, c.template_id, a.reviewer_id, a.to_status, count(*)::int as n, coalesce(sum(c.quality_score), 0)::numeric(12, 2)::text as q, count(c.quality_score)::int as qn
    from review_actions a join conversations c on c.id = a.conversation_id
    where a.action in ('approve', 'reject', 'request_changes', 'auto_approve', 'auto_reject') and ${live} and ${notUndone}
    group by 1, 2, 3, 4`.execute(db())
  const reasons = await sql<Row>`
    select c.template_id, reason, count(*)::int as n
    from review_actions a join conversations c on c.id = a.conversation_id cross join lateral unnest(a.reasons) reason
    where a.action in ('reject', 'auto_reject') and ${live} and ${notUndone}
    group by 1, 2`.execute(db())
  const statuses = await sql<Row>`
    select template_id, status, count(*)::int as n, coalesce(sum(quality_score), 0)::numeric(12, 2)::text as q, count(quality_score)::int as qn
    from conversations where deleted_at is null group by 1, 2`.execute(db())
  return { decisions: canonical(decisions.rows), reasons: canonical(reasons.rows), statuses: canonical(statuses.rows) }
}

/** The same figures summed from the roll-ups. */
async function rolledUp() {
  const decisions = await sql<Row>`
    select bucket::text as bucket, template_id, reviewer_id, to_status, sum(decided)::int as n, sum(quality_sum)::numeric(12, 2)::text as q, sum(quality_n)::int as qn
    from review_decision_counts group by 1, 2, 3, 4 having sum(decided) <> 0 or sum(quality_n) <> 0`.execute(db())
  const reasons = await sql<Row>`
    select template_id, reason, sum(n)::int as n from review_reason_counts group by 1, 2 having sum(n) <> 0`.execute(db())
  const statuses = await sql<Row>`
    select template_id, status, sum(n)::int as n, sum(quality_sum)::numeric(12, 2)::text as q, sum(quality_n)::int as qn
    from conversation_status_counts group by 1, 2 having sum(n) <> 0`.execute(db())
  return { decisions: canonical(decisions.rows), reasons: canonical(reasons.rows), statuses: canonical(statuses.rows) }
}

async function expectSame(step: string) {
  expect(await rolledUp(), step).toEqual(await counted())
}

/** Decides through the review API, as the review screen does. */
async function review(id: string, action: 'approve' | 'reject' | 'request_changes', reasons: string[] = [], who = cookie) {
  const { version } = await db().selectFrom('conversations').select('version').where('id', '=', id).executeTakeFirstOrThrow()
  const body = { action, reasons, version, comment: action === 'request_changes' ? 'Shorter, please.' : '' }
  const res = await app.request(`/api/conversations/${id}/review`, json(body, { cookie: who }))
  expect(res.status, await res.clone().text()).toBe(200)
}

describe('the quality roll-ups', () => {
  test('agree with the review history through decisions, undo, trash, restore, new scores, deletions and compaction', async () => {
    const ids = await insertConversations(db(), source, [8, 6, 3, 9, 4, 7])
    const [a, b, c, d, e, f] = ids as [string, string, string, string, string, string]
    await expectSame('conversations created')

    await review(a, 'approve')
    await review(b, 'reject', ['too_short', 'off_topic'])
    await review(c, 'request_changes')
    await expectSame('decided through the API')

    expect((await app.request('/api/review/undo', json({}, { cookie }))).status).toBe(200)
    await expectSame('the last decision undone')
    await review(c, 'reject', ['repetitive'])
    await expectSame('decided again after the undo')

    await db().updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', b).execute()
    await expectSame('a rejected conversation trashed')
    await db().updateTable('conversations').set({ deleted_at: null }).where('id', '=', b).execute()
    await expectSame('and restored')

    await db().updateTable('conversations').set({ quality_score: 2.5 }).where('id', 'in', [a, b]).execute()
    await db().updateTable('conversations').set({ quality_score: null }).where('id', '=', c).execute()
    await expectSame('scores changed')

    // Another reviewer decides, then leaves: their decisions become auto-review's, as before.
    const other = await makeUser(database, 'reviewer')
    await review(d, 'approve', [], await signIn(app, other))
    await expectSame('a second reviewer')
    await db().deleteFrom('users').where('id', '=', other.id).execute()
    await expectSame('the second reviewer deleted')

    // A bulk insert: decisions, and an undo of one of them in the same statement.
    const [first] = await db()
      .insertInto('review_actions')
      .values({
        conversation_id: e,
        reviewer_id: reviewer.id,
        action: 'auto_reject',
        from_status: 'pending_review',
        to_status: 'rejected',
        reasons: ['too_short'],
      })
      .returning('id')
      .execute()
    await db()
      .insertInto('review_actions')
      .values([
        { conversation_id: f, reviewer_id: null, action: 'auto_approve', from_status: 'pending_review', to_status: 'approved' },
        { conversation_id: e, reviewer_id: reviewer.id, action: 'undo', from_status: 'rejected', to_status: 'pending_review', undoes_id: first!.id },
      ])
      .execute()
    await expectSame('auto-review in bulk, with an undo')

    // Compaction folds the appended changes: one row per key, and the same figures.
    expect(await compactQualityCounts(db())).toBeGreaterThan(0)
    await expectSame('compacted')
    const { rows } = await sql<{ loose: number; keys: number; total: number }>`
      select count(*) filter (where not compacted)::int as loose,
        count(distinct (bucket, template_id, reviewer_id, to_status))::int as keys, count(*)::int as total
      from review_decision_counts`.execute(db())
    expect(rows[0]).toMatchObject({ loose: 0 })
    expect(rows[0]?.total).toBe(rows[0]?.keys)
    expect(await compactQualityCounts(db())).toBe(0)

    // The undo removed (a restored backup does this): its decision counts again. Then purges.
    await db().deleteFrom('review_actions').where('undoes_id', '=', first!.id).execute()
    await expectSame('an undo deleted')
    await db().updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', a).execute()
    await db().deleteFrom('conversations').where('id', 'in', [a, d]).execute()
    await expectSame('a trashed and a live conversation deleted for good')
    // What deleting a template does to its conversations (the foreign key sets it null).
    await db().updateTable('conversations').set({ template_id: null }).where('id', 'in', [b, c]).execute()
    await expectSame('conversations without their template')
    await compactQualityCounts(db())
    await expectSame('compacted again')
  })

  test('the quality page reads them: a trashed conversation leaves its decisions out, and its restore puts them back', async () => {
    const [a, b] = (await insertConversations(db(), source, [8, 4])) as [string, string]
    await review(a, 'approve')
    await review(b, 'reject', ['off_topic'])
    const page = async () => (await (await app.request('/review/quality', { headers: { cookie, accept: 'application/json' } })).json()).charts
    expect((await page()).templates[0]).toMatchObject({ decided: 2, approved: 1, rejected: 1, avg_quality: 6 })
    await db().updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', b).execute()
    expect((await page()).templates[0]).toMatchObject({ decided: 1, approved: 1, rejected: 0, avg_quality: 8 })
    expect((await page()).reasons).toEqual([])
    await db().updateTable('conversations').set({ deleted_at: null }).where('id', '=', b).execute()
    await compactQualityCounts(db())
    expect((await page()).reasons).toEqual([{ reason: 'off_topic', count: 1 }])
  })

  test('the dashboard summary reads the same figures from the roll-up as from the conversations', async () => {
    const ids = await insertConversations(db(), source, [8, 6, 3, 9, 4, 7, 5])
    const set = (i: number, values: Record<string, unknown>) => db().updateTable('conversations').set(values).where('id', '=', ids[i]!).execute()
    await set(0, { status: 'approved', tier: 'T1', cost_usd: 0.25 })
    await set(1, { status: 'rejected', cost_usd: 1.5 })
    await set(2, { status: 'cancelled' })
    await set(3, { deleted_at: new Date(), cost_usd: 9 })
    await set(4, { quality_score: null, tier: 'T3', cost_usd: 0.125 })
    await review(ids[5]!, 'approve')
    const summary = async (query: string) => {
      const res = await app.request(`/conversations/summary?${query}`, { headers: { cookie, accept: 'application/json' } })
      expect(res.status).toBe(200)
      return res.json()
    }
    // A created_from long ago matches every row but is not in the roll-up: the conversations are read.
    for (const query of ['', 'status=cancelled', 'status=approved&status=pending_review', 'tier=T1&tier=T3', `template_id=${source.templateId}`]) {
      const counted = await summary(query)
      expect(counted, query).toEqual(await summary(`${query}&created_from=2000-01-01`))
      expect(counted.total, query).toBeGreaterThan(0)
    }
    expect(await summary('')).toMatchObject({ total: 5, byStatus: { approved: 2, rejected: 1, pending_review: 2 }, spendUsd: 1.875 })
    await compactQualityCounts(db())
    expect(await summary('')).toMatchObject({ total: 5, spendUsd: 1.875 })
  })
})

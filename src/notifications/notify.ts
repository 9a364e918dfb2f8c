import { type Kysely, type Selectable, sql } from 'kysely'
import type { DB, NotificationKind, NotificationsTable } from '../db/schema'
import { progressNotice } from '../generation/progress-channel'
import { preferencesFrom } from '../preferences/schema'

export type Notification = Selectable<NotificationsTable>

/** Which preference lets each kind through (Preferences → Notifications). */
const WANTED: Record<NotificationKind, (notify: ReturnType<typeof preferencesFrom>['notify']) => boolean> = {
  batch_done: (n) => n.batch_done,
  export_ready: (n) => n.export_ready,
  review_needed: (n) => n.review_needed !== null,
}

/**
 * Tells a user something, if their preferences want it: stored (so a page opened later lists it)
 * and announced on the live channel, which every open tab of theirs listens to.
 */
export async function notify(db: Kysely<DB>, note: { userId: string; kind: NotificationKind; message: string; link: string }): Promise<boolean> {
  const row = await db.selectFrom('user_preferences').select('settings').where('user_id', '=', note.userId).executeTakeFirst()
  if (!WANTED[note.kind](preferencesFrom(row?.settings).notify)) return false
  await db
    .insertInto('notifications')
    .values({ user_id: note.userId, kind: note.kind, message: note.message, link: note.link })
    .returning(progressNotice(sql`json_build_object('user_id', ${note.userId}::text)`).as('notified'))
    .execute()
  return true
}

/** A finished batch tells whoever started it, with a link to review what it made. */
export async function notifyBatchDone(db: Kysely<DB>, batchId: string): Promise<void> {
  const batch = await db
    .selectFrom('batches')
    .select([
      'name',
      'created_by',
      sql<number>`(select count(*) from conversations where batch_id = batches.id and status = 'pending_review')::int`.as('pending'),
    ])
    .where('id', '=', batchId)
    .executeTakeFirst()
  if (!batch?.created_by) return
  const waiting = batch.pending ? `: ${batch.pending.toLocaleString('en-US')} conversations wait for review` : ''
  await notify(db, { userId: batch.created_by, kind: 'batch_done', message: `Batch "${batch.name}" finished${waiting}.`, link: `/review?batch_id=${batchId}` })
}

/** A finished export tells whoever asked for it, with a link to its download. */
export async function notifyExportReady(db: Kysely<DB>, exportId: string): Promise<void> {
  const row = await db.selectFrom('exports').select(['created_by', 'format', 'count']).where('id', '=', exportId).executeTakeFirst()
  if (!row?.created_by) return
  const message = `Your ${row.format} export of ${row.count.toLocaleString('en-US')} conversations is ready.`
  await notify(db, { userId: row.created_by, kind: 'export_ready', message, link: `/api/exports/${exportId}/download` })
}

/**
 * Every minute (with the health sample): users whose threshold the review queue passed hear of it,
 * at most once an hour each.
 */
export async function notifyReviewNeeded(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ user_id: string; pending: number }>`
    -- From the roll-up the database keeps counted (src/review/quality-counts.ts): counting 350,000 pending rows took 100 ms a minute.
    with queue as (select coalesce(sum(n), 0)::int as pending from conversation_status_counts where status = 'pending_review')
    select p.user_id, queue.pending from user_preferences p cross join queue
    join users u on u.id = p.user_id and u.disabled_at is null and u.role in ('admin', 'reviewer')
    where (p.settings -> 'notify' ->> 'review_needed') ~ '^[0-9]+$'
      and queue.pending > (p.settings -> 'notify' ->> 'review_needed')::int
      and not exists (select 1 from notifications n where n.user_id = p.user_id and n.kind = 'review_needed' and n.created_at > now() - interval '1 hour')`.execute(
    db,
  )
  for (const { user_id, pending } of rows) {
    await notify(db, { userId: user_id, kind: 'review_needed', message: `${pending.toLocaleString('en-US')} conversations wait for review.`, link: '/review' })
  }
  return rows.length
}

export async function listNotifications(db: Kysely<DB>, userId: string, limit = 50): Promise<{ items: Notification[]; unread: number }> {
  const [items, unread] = await Promise.all([
    db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute(),
    countUnread(db, userId),
  ])
  return { items, unread }
}

export async function countUnread(db: Kysely<DB>, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow()
  return row.n
}

/** Marks one of the user's notifications read (or all of them); another user's id is simply not found. */
export async function markRead(db: Kysely<DB>, userId: string, id?: string): Promise<number> {
  let query = db.updateTable('notifications').set({ read_at: sql`now()` }).where('user_id', '=', userId).where('read_at', 'is', null)
  if (id) query = query.where('id', '=', id)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}

import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import { preferencesFrom } from '../preferences/schema'
import { REVIEW_ORDERS, type ReviewOrder, reviewerName } from './queue'

/** Every review action on a conversation, newest first, with who took it (null: the system). */
export async function listReviewHistory(db: Kysely<DB>, conversationId: string) {
  return db
    .selectFrom('review_actions')
    .leftJoin('users', 'users.id', 'review_actions.reviewer_id')
    .select([
      'review_actions.id',
      'review_actions.action',
      'review_actions.from_status',
      'review_actions.to_status',
      'review_actions.reasons',
      'review_actions.comment',
      'review_actions.undoes_id',
      'review_actions.created_at',
      reviewerName.as('reviewer'),
    ])
    .where('review_actions.conversation_id', '=', conversationId)
    .orderBy('review_actions.created_at', 'desc')
    .orderBy('review_actions.id', 'desc')
    .execute()
}
export type ReviewHistoryEntry = Awaited<ReturnType<typeof listReviewHistory>>[number]

/** The reviewer's saved queue order and page size (defaults when never saved). */
export async function findReviewPreferences(db: Kysely<DB>, userId: string): Promise<{ order: ReviewOrder; pageSize: number }> {
  const row = await db.selectFrom('user_preferences').select(['review_order', 'settings']).where('user_id', '=', userId).executeTakeFirst()
  const order = REVIEW_ORDERS.find((o) => o === row?.review_order) ?? 'oldest'
  return { order, pageSize: preferencesFrom(row?.settings).rows_per_page }
}

export async function saveReviewOrder(db: Kysely<DB>, userId: string, order: ReviewOrder): Promise<void> {
  await db
    .insertInto('user_preferences')
    .values({ user_id: userId, review_order: order })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ review_order: order, updated_at: sql`now()` }))
    .execute()
}

/** Batches and templates that have something waiting, for the queue's filter menus. */
export async function listQueueSources(db: Kysely<DB>) {
  const [templates, batches] = await Promise.all([
    db.selectFrom('templates').select(['id', 'name']).where('archived_at', 'is', null).orderBy('name').execute(),
    db.selectFrom('batches').select(['id', 'name']).orderBy('created_at', 'desc').limit(200).execute(),
  ])
  return { templates, batches }
}

import { sql, type Kysely } from 'kysely'
import { preferencesFrom } from '../preferences/schema'
import type { DB } from '../db/schema'
import { REVIEW_ORDERS, type ReviewOrder } from './queue'

/** Everything the review screen shows about one conversation and where it came from; undefined when missing or deleted. */
export async function findReviewItem(db: Kysely<DB>, id: string) {
  return db
    .selectFrom('conversations')
    .leftJoin('templates', 'templates.id', 'conversations.template_id')
    .leftJoin('template_versions', 'template_versions.id', 'conversations.template_version_id')
    .leftJoin('scenarios', 'scenarios.id', 'conversations.scenario_id')
    .leftJoin('edge_cases', 'edge_cases.id', 'conversations.edge_case_id')
    .leftJoin('batches', 'batches.id', 'conversations.batch_id')
    .select([
      'conversations.id',
      'conversations.status',
      'conversations.version',
      'conversations.title',
      'conversations.tier',
      'conversations.persona',
      'conversations.emotion',
      'conversations.topic',
      'conversations.turns',
      'conversations.turn_count',
      'conversations.parameters',
      'conversations.system_prompt',
      'conversations.prompt',
      'conversations.quality_score',
      'conversations.quality_parts',
      'conversations.model',
      'conversations.simulated',
      'conversations.created_at',
      'conversations.reviewed_at',
      'conversations.template_id',
      'conversations.batch_id',
      'conversations.parent_chunk_id',
      'conversations.chunk_context',
      'templates.name as template_name',
      'template_versions.version as template_version',
      'scenarios.name as scenario_name',
      'scenarios.context as scenario_context',
      'edge_cases.name as edge_case_name',
      'edge_cases.description as edge_case_description',
      'batches.name as batch_name',
    ])
    .where('conversations.id', '=', id)
    .where('conversations.deleted_at', 'is', null)
    .executeTakeFirst()
}
export type ReviewItem = NonNullable<Awaited<ReturnType<typeof findReviewItem>>>

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
      sql<string | null>`coalesce(nullif(users.name, ''), users.email)`.as('reviewer'),
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

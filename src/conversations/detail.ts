import type { Kysely, Selectable } from 'kysely'
import type { ConversationVersionsTable, DB } from '../db/schema'
import { NotFound } from '../errors'

/**
 * The one read model of a single conversation: its row with the names of what it came from
 * (template and version, scenario, edge case, batch), and its content versions. The conversation
 * page, the review screen and the generation pages all read it from here.
 */

/** Conversations joined to where they came from; callers add their own where clauses. */
export function conversationsWithSources(db: Kysely<DB>) {
  return db
    .selectFrom('conversations')
    .leftJoin('templates', 'templates.id', 'conversations.template_id')
    .leftJoin('template_versions', 'template_versions.id', 'conversations.template_version_id')
    .leftJoin('scenarios', 'scenarios.id', 'conversations.scenario_id')
    .leftJoin('edge_cases', 'edge_cases.id', 'conversations.edge_case_id')
    .leftJoin('batches', 'batches.id', 'conversations.batch_id')
    .selectAll('conversations')
    .select([
      'templates.name as template_name',
      'template_versions.version as template_version',
      'scenarios.name as scenario_name',
      'scenarios.context as scenario_context',
      'edge_cases.name as edge_case_name',
      'edge_cases.description as edge_case_description',
      'batches.name as batch_name',
    ])
}

/** One live conversation (or, with `trashed`, one in the trash) with what it came from; undefined when there is none. */
export async function findConversation(db: Kysely<DB>, id: string, options: { trashed?: boolean } = {}) {
  const row = await conversationsWithSources(db)
    .where('conversations.id', '=', id)
    .where('conversations.deleted_at', options.trashed ? 'is not' : 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  const { search: _, ...rest } = row
  return {
    ...rest,
    quality_score: rest.quality_score === null ? null : Number(rest.quality_score),
    cost_usd: Number(rest.cost_usd),
  }
}
export type ConversationDetail = NonNullable<Awaited<ReturnType<typeof findConversation>>>

export async function requireConversation(db: Kysely<DB>, id: string): Promise<ConversationDetail> {
  const conversation = await findConversation(db, id)
  if (!conversation) throw new NotFound('No such conversation.')
  return conversation
}

export type ConversationVersion = Selectable<ConversationVersionsTable>

/** The recorded content versions of a conversation, newest first, with who made each (null: generated). */
export async function listVersions(db: Kysely<DB>, conversationId: string) {
  return db
    .selectFrom('conversation_versions')
    .leftJoin('users', 'users.id', 'conversation_versions.created_by')
    .selectAll('conversation_versions')
    .select('users.email as author_email')
    .where('conversation_versions.conversation_id', '=', conversationId)
    .orderBy('conversation_versions.version', 'desc')
    .execute()
}
export type VersionEntry = Awaited<ReturnType<typeof listVersions>>[number]

export async function findVersion(db: Kysely<DB>, conversationId: string, version: number): Promise<ConversationVersion> {
  const row = await db
    .selectFrom('conversation_versions')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('version', '=', version)
    .executeTakeFirst()
  if (!row) throw new NotFound(`This conversation has no version ${version}.`)
  return row
}

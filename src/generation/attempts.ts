import type { Kysely, Selectable } from 'kysely'
import type { DB, GenerationAttemptsTable } from '../db/schema'

export type GenerationAttempt = Omit<Selectable<GenerationAttemptsTable>, 'id' | 'conversation_id'>

/** Every generation attempt of a conversation, oldest first (claims.ts writes one as each ends). */
export async function listAttempts(db: Kysely<DB>, conversationId: string): Promise<GenerationAttempt[]> {
  return db
    .selectFrom('generation_attempts')
    .select(['attempt', 'outcome', 'code', 'message', 'details', 'started_at', 'finished_at'])
    .where('conversation_id', '=', conversationId)
    .orderBy('attempt')
    .execute()
}

import type { Kysely } from 'kysely'
import type { ConfigChangeType, DB } from '../db/schema'
import { Conflict, NotFound } from '../errors'
import { AiSettingsChange, changeAiSettings } from '../generation/ai-settings'
import { parseInput } from '../http/respond'
import { ReviewSettingsInput, saveReviewSettings } from '../review/settings'
import { RetentionInput, saveRetention } from '../settings/retention'
import { type ConfigChange, findChange } from './changes'

/** The configurations a change of which can be undone from the audit trail: their old values are saved again. */
const ROLLBACKS: Partial<Record<ConfigChangeType, (db: Kysely<DB>, old: unknown, userId: string, changeId: string) => Promise<unknown>>> = {
  ai_settings: (db, old, userId, changeId) => changeAiSettings(db, userId, parseInput(AiSettingsChange, old), { rolledBackFrom: changeId }),
  review_settings: (db, old, userId, changeId) => saveReviewSettings(db, parseInput(ReviewSettingsInput, old), userId, changeId),
  retention: (db, old, userId, changeId) => saveRetention(db, parseInput(RetentionInput, old), userId, changeId),
}

export const ROLLBACK_TYPES = Object.keys(ROLLBACKS)

/** Puts back the values a change replaced, as a new change of its own (which can itself be rolled back). */
export async function rollBack(db: Kysely<DB>, changeId: string, userId: string): Promise<ConfigChange> {
  const change = await findChange(db, changeId)
  if (!change) throw new NotFound('No such change.')
  const restore = ROLLBACKS[change.type]
  if (!restore) throw new Conflict(`A change of ${change.type.replace('_', ' ')} cannot be rolled back here; change it on its own page.`)
  if (change.old_value === null) throw new Conflict('This change has no earlier values to go back to.')
  if (change.subject_id !== null) throw new Conflict('A change of a configuration that was not in use is undone by changing that configuration again.')
  await restore(db, change.old_value, userId, change.id)
  return db
    .selectFrom('config_changes')
    .selectAll()
    .where('rolled_back_from', '=', change.id)
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
}

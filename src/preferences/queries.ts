import { type Kysely, sql } from 'kysely'
import { recordChange } from '../audit/changes'
import type { DB } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { ValidationFailed } from '../errors'
import { type Preferences, type PreferencesChange, preferencesFrom, shortcutConflict } from './schema'

export async function readPreferences(db: Kysely<DB>, userId: string): Promise<Preferences> {
  const row = await db.selectFrom('user_preferences').select('settings').where('user_id', '=', userId).executeTakeFirst()
  return preferencesFrom(row?.settings)
}

/**
 * Applies a change (any subset; `shortcuts` and `notify` merge key by key) and returns the
 * preferences before and after. Locked per user, so two tabs saving at once both count.
 */
export async function changePreferences(db: Kysely<DB>, userId: string, change: PreferencesChange): Promise<{ before: Preferences; after: Preferences }> {
  return inTransaction(db, async (trx) => {
    await trx
      .insertInto('user_preferences')
      .values({ user_id: userId })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute()
    const row = await trx.selectFrom('user_preferences').select('settings').where('user_id', '=', userId).forUpdate().executeTakeFirstOrThrow()
    const stored = row.settings
    const next: Record<string, unknown> = { ...stored, ...change }
    if (change.shortcuts) next.shortcuts = { ...asObject(stored.shortcuts), ...change.shortcuts }
    if (change.notify) next.notify = { ...asObject(stored.notify), ...change.notify }
    const after = preferencesFrom(next)
    const conflict = shortcutConflict(after.shortcuts)
    if (conflict) throw new ValidationFailed(`Two review actions share a key: ${conflict.message}.`, { [`shortcuts.${conflict.action}`]: conflict.message })
    await trx
      .updateTable('user_preferences')
      .set({ settings: JSON.stringify(next), updated_at: sql`now()` })
      .where('user_id', '=', userId)
      .execute()
    const before = preferencesFrom(stored)
    await recordChange(trx, { type: 'preferences', subjectId: userId, summary: 'Preferences changed', userId, before, after })
    return { before, after }
  })
}

/** Back to every default. */
export async function resetPreferences(db: Kysely<DB>, userId: string): Promise<{ before: Preferences; after: Preferences }> {
  return inTransaction(db, async (trx) => {
    const before = await readPreferences(trx, userId)
    const after = preferencesFrom({})
    await trx.updateTable('user_preferences').set({ settings: '{}', updated_at: sql`now()` }).where('user_id', '=', userId).execute()
    await recordChange(trx, { type: 'preferences', subjectId: userId, summary: 'Preferences reset to the defaults', userId, before, after })
    return { before, after }
  })
}

const asObject = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {})

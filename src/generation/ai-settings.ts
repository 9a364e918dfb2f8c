import type { Kysely, Selectable } from 'kysely'
import { z } from 'zod'
import { recordChange } from '../audit/changes'
import { cachedRead } from '../db/cached-read'
import type { AiSettingsTable, DB } from '../db/schema'
import { inTransaction } from '../db/transaction'

/**
 * The active AI configuration is the newest ai_settings row; every change inserts a row, so the
 * table is its own audit trail. Workers read it through a short cache and honour a change within
 * seconds.
 */
export type AiSettings = Selectable<AiSettingsTable>

const AI_SETTINGS_CACHE_MS = 2_000

function newestAiSettings(db: Kysely<DB>): Promise<AiSettings> {
  return db.selectFrom('ai_settings').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
}

const cached = cachedRead(AI_SETTINGS_CACHE_MS, newestAiSettings)

export function activeAiSettings(db: Kysely<DB>): Promise<AiSettings> {
  return cached.get(db)
}

/**
 * Temperature is refused by name rather than ignored: the Messages API the SDK speaks no longer
 * takes it, so accepting it would promise a control that does nothing.
 */
export const noTemperature = z.never({ error: 'is not supported: the Messages API no longer takes a temperature, so it cannot be set' }).optional()

/** Any of the fields; the rest are carried over from the active row. */
export const AiSettingsChange = z
  .object({
    model: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9.-]+$/, 'must be a model id such as claude-haiku-4-5'),
    max_tokens: z.coerce.number().int().min(256).max(64_000),
    requests_per_minute: z.coerce.number().int().min(1).max(1_000_000),
    max_concurrency: z.coerce.number().int().min(1).max(1_000),
    max_retries: z.coerce.number().int().min(0).max(20),
    retry_budget_minutes: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 60),
    timeout_ms: z.coerce.number().int().min(1_000).max(600_000),
    max_batch_size: z.coerce.number().int().min(1).max(100_000),
  })
  .partial()
  .extend({ temperature: noTemperature })
export type AiSettingsChange = z.infer<typeof AiSettingsChange>

/** Applies a change (recorded in the audit trail with the values before and after); `rolledBackFrom` marks a rollback. */
export async function changeAiSettings(db: Kysely<DB>, userId: string, change: AiSettingsChange, rolledBackFrom?: string): Promise<AiSettings> {
  const row = await inTransaction(db, async (trx) => {
    // Uncached: a change builds on the row as it is now.
    const current = await newestAiSettings(trx)
    // Past rows keep their temperature (history); new rows have none.
    const { id: _id, created_at: _at, created_by: _by, temperature: _t, ...values } = current
    const inserted = await trx
      .insertInto('ai_settings')
      .values({ ...values, ...change, created_by: userId })
      .returningAll()
      .executeTakeFirstOrThrow()
    const summary = rolledBackFrom ? 'AI settings rolled back' : 'AI settings changed'
    await recordChange(trx, { type: 'ai_settings', summary, userId, before: auditedAiSettings(current), after: auditedAiSettings(inserted), rolledBackFrom })
    return inserted
  })
  cached.forget(db)
  return row
}

/** The fields of a configuration the audit trail compares (and a rollback restores). */
function auditedAiSettings(s: AiSettings) {
  const { changed_at: _at, changed_by: _by, ...fields } = aiSettingsJson(s)
  return fields
}

export type AiSettingsChangeRow = AiSettings & { created_by_email: string | null }

/** The newest changes first, with who made them. */
export function listAiSettingsHistory(db: Kysely<DB>, limit = 50): Promise<AiSettingsChangeRow[]> {
  return db
    .selectFrom('ai_settings')
    .leftJoin('users', 'users.id', 'ai_settings.created_by')
    .selectAll('ai_settings')
    .select('users.email as created_by_email')
    .orderBy('ai_settings.created_at', 'desc')
    .orderBy('ai_settings.id', 'desc')
    .limit(limit)
    .execute()
}

/** The public shape of GET/PUT /api/settings/ai. */
export function aiSettingsJson(s: AiSettings) {
  return {
    model: s.model,
    max_tokens: s.max_tokens,
    requests_per_minute: s.requests_per_minute,
    max_concurrency: s.max_concurrency,
    max_retries: s.max_retries,
    retry_budget_minutes: s.retry_budget_minutes,
    timeout_ms: s.timeout_ms,
    max_batch_size: s.max_batch_size,
    changed_at: s.created_at,
    changed_by: s.created_by,
  }
}

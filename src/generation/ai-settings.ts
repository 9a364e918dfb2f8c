import type { Kysely, Selectable } from 'kysely'
import { z } from 'zod'
import { recordChange } from '../audit/changes'
import { cachedRead } from '../db/cached-read'
import type { AiSettingsTable, DB } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { useConfiguredPrices } from './cost'

/**
 * The active AI configuration is the newest ai_settings row; every change inserts a row, so the
 * table is its own audit trail. Workers read it through a short cache and honour a change within
 * seconds.
 */
export type AiSettings = Selectable<AiSettingsTable>

const AI_SETTINGS_CACHE_MS = 2_000

async function newestAiSettings(db: Kysely<DB>): Promise<AiSettings> {
  const settings = await db.selectFrom('ai_settings').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow()
  useConfiguredPrices(settings.model, settings.prices, settings.batch_discount)
  return settings
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

const dollarsPerMillion = z.coerce.number({ error: 'must be dollars per million tokens' }).min(0, 'must not be negative').max(10_000, 'must be at most 10,000')
const PriceChanges = z
  .strictObject({ input: dollarsPerMillion, output: dollarsPerMillion, cache_write: dollarsPerMillion, cache_read: dollarsPerMillion })
  .partial()

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
    /** Prices changed from the model's list prices, dollars per million tokens; a field left out keeps the list price. */
    prices: PriceChanges,
    batch_discount: z.coerce.number().gt(0, 'must be more than 0').max(1, 'must be at most 1 (the full price)'),
  })
  .partial()
  .extend({ temperature: noTemperature })
export type AiSettingsChange = z.infer<typeof AiSettingsChange>

/**
 * Applies a change to the active settings, and to the active configuration they come from (recorded
 * in the audit trail with the values before and after). `configurationId` switches to another
 * configuration; `rolledBackFrom` marks a rollback.
 */
export async function changeAiSettings(
  db: Kysely<DB>,
  userId: string,
  change: AiSettingsChange,
  options: { rolledBackFrom?: string; configurationId?: string; summary?: string } = {},
): Promise<AiSettings> {
  const row = await inTransaction(db, async (trx) => {
    // Uncached: a change builds on the row as it is now.
    const current = await newestAiSettings(trx)
    // Past rows keep their temperature (history); new rows have none.
    const { id: _id, created_at: _at, created_by: _by, temperature: _t, ...values } = current
    const { temperature: _none, prices, ...fields } = change
    const configuration_id = options.configurationId ?? current.configuration_id
    const inserted = await trx
      .insertInto('ai_settings')
      .values({ ...values, ...fields, prices: JSON.stringify(prices ?? current.prices), configuration_id, created_by: userId })
      .returningAll()
      .executeTakeFirstOrThrow()
    if (!options.configurationId && configuration_id) {
      // A change made on the settings themselves is a change of the configuration in use.
      const { prices: newPrices, batch_discount, configuration_id: _id, ...settings } = auditedAiSettings(inserted)
      await trx
        .updateTable('ai_configurations')
        .set({ settings: JSON.stringify(settings), prices: JSON.stringify(newPrices), batch_discount, updated_at: new Date() })
        .where('id', '=', configuration_id)
        .execute()
    }
    const summary = options.summary ?? (options.rolledBackFrom ? 'AI settings rolled back' : 'AI settings changed')
    const audit = { before: auditedAiSettings(current), after: auditedAiSettings(inserted), rolledBackFrom: options.rolledBackFrom }
    await recordChange(trx, { type: 'ai_settings', summary, userId, ...audit })
    return inserted
  })
  cached.forget()
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
    prices: s.prices,
    batch_discount: s.batch_discount,
    configuration_id: s.configuration_id,
    changed_at: s.created_at,
    changed_by: s.created_by,
  }
}

import type { Kysely, Selectable } from 'kysely'
import { z } from 'zod'
import { recordChange } from '../audit/changes'
import type { AiConfigurationsTable, DB } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { Conflict, NotFound, ValidationFailed } from '../errors'
import { AiSettingsChange, activeAiSettings, aiSettingsJson, changeAiSettings } from '../generation/ai-settings'

/**
 * Named AI configurations, one of them active. The active one's values live in ai_settings, which
 * every worker reads (within seconds of a change); switching writes the chosen one's values there.
 */

export type AiConfiguration = Selectable<AiConfigurationsTable>

const name = z.string({ error: 'give it a name' }).trim().min(1, 'give it a name').max(80, 'must be at most 80 characters')

/** A configuration: a name and any AI settings; what is left out starts as the active configuration's. */
export const ConfigurationInput = AiSettingsChange.extend({ name })
export type ConfigurationInput = z.infer<typeof ConfigurationInput>

export function listConfigurations(db: Kysely<DB>): Promise<AiConfiguration[]> {
  return db.selectFrom('ai_configurations').selectAll().orderBy('active', 'desc').orderBy('name').execute()
}

export async function findConfiguration(db: Kysely<DB>, id: string): Promise<AiConfiguration> {
  const row = await db.selectFrom('ai_configurations').selectAll().where('id', '=', id).executeTakeFirst()
  if (!row) throw new NotFound('No such AI configuration.')
  return row
}

async function refuseTakenName(db: Kysely<DB>, wanted: string, except?: string): Promise<void> {
  let query = db
    .selectFrom('ai_configurations')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['name']), '=', wanted.toLowerCase()))
  if (except) query = query.where('id', '!=', except)
  if (await query.executeTakeFirst())
    throw new ValidationFailed(`A configuration named "${wanted}" already exists.`, { name: 'is taken by another configuration' })
}

/** A new configuration, starting from the active one's values (so only what differs need be given). */
export async function createConfiguration(db: Kysely<DB>, userId: string, input: ConfigurationInput): Promise<AiConfiguration> {
  return inTransaction(db, async (trx) => {
    await refuseTakenName(trx, input.name)
    const { name: _, prices, batch_discount, temperature: _t, ...settings } = input
    const active = aiSettingsJson(await activeAiSettings(trx))
    const { prices: _p, batch_discount: _b, configuration_id: _c, changed_at: _at, changed_by: _by, ...base } = active
    const row = await trx
      .insertInto('ai_configurations')
      .values({
        name: input.name,
        settings: JSON.stringify({ ...base, ...settings }),
        prices: JSON.stringify(prices ?? {}),
        batch_discount: batch_discount ?? 0.5,
        created_by: userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordConfigurationChange(trx, userId, row, 'added', null, row)
    return row
  })
}

/** Changes a configuration; changing the active one changes what the workers use, at once. */
export async function updateConfiguration(db: Kysely<DB>, userId: string, id: string, input: Partial<ConfigurationInput>): Promise<AiConfiguration> {
  return inTransaction(db, async (trx) => {
    const before = await findConfiguration(trx, id)
    if (input.name) await refuseTakenName(trx, input.name, id)
    const { name, prices, batch_discount, temperature: _t, ...settings } = input
    if (before.active) {
      // The active settings carry the change (and the audit trail records it there).
      await changeAiSettings(trx, userId, { ...settings, prices, batch_discount }, { summary: `AI configuration "${before.name}" changed` })
      if (name) await trx.updateTable('ai_configurations').set({ name, updated_at: new Date() }).where('id', '=', id).execute()
      return findConfiguration(trx, id)
    }
    const row = await trx
      .updateTable('ai_configurations')
      .set({
        name: name ?? before.name,
        settings: JSON.stringify({ ...before.settings, ...settings }),
        prices: JSON.stringify(prices ?? before.prices),
        batch_discount: batch_discount ?? before.batch_discount,
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordConfigurationChange(trx, userId, row, 'changed', before, row)
    return row
  })
}

/** Makes a configuration the one every worker uses (within seconds: the settings cache is 2 s). */
export async function activateConfiguration(db: Kysely<DB>, userId: string, id: string): Promise<AiConfiguration> {
  return inTransaction(db, async (trx) => {
    const chosen = await findConfiguration(trx, id)
    if (chosen.active) return chosen
    await trx.updateTable('ai_configurations').set({ active: false }).where('active', '=', true).execute()
    await trx.updateTable('ai_configurations').set({ active: true, updated_at: new Date() }).where('id', '=', id).execute()
    const settings = AiSettingsChange.parse({ ...chosen.settings, prices: chosen.prices, batch_discount: chosen.batch_discount })
    await changeAiSettings(trx, userId, settings, { configurationId: id, summary: `AI configuration "${chosen.name}" activated` })
    return findConfiguration(trx, id)
  })
}

export async function deleteConfiguration(db: Kysely<DB>, userId: string, id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const row = await findConfiguration(trx, id)
    if (row.active) throw new Conflict('The active configuration cannot be deleted: activate another one first.')
    await trx.deleteFrom('ai_configurations').where('id', '=', id).execute()
    await recordConfigurationChange(trx, userId, row, 'deleted', row, null)
  })
}

/** A configuration not in use was added, changed or deleted: recorded with its values before and after. */
function recordConfigurationChange(
  db: Kysely<DB>,
  userId: string,
  row: AiConfiguration,
  what: string,
  before: AiConfiguration | null,
  after: AiConfiguration | null,
) {
  const values = (c: AiConfiguration | null) => c && { name: c.name, ...c.settings, prices: c.prices, batch_discount: c.batch_discount }
  return recordChange(db, {
    type: 'ai_settings',
    subjectId: row.id,
    summary: `AI configuration "${row.name}" ${what}`,
    userId,
    before: values(before),
    after: values(after),
  })
}

/** The JSON shape of a configuration. */
export function configurationJson(row: AiConfiguration) {
  return { id: row.id, name: row.name, active: row.active, ...row.settings, prices: row.prices, batch_discount: row.batch_discount, updated_at: row.updated_at }
}

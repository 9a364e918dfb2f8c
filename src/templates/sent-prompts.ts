import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { AppError } from '../errors'
import { resolveGeneration } from '../generation/inputs'
import { resolvePrompts, type ResolvedPrompts } from './preview'
import { snapshotOf, type Scenario, type Template } from './queries'
import type { ParameterValue } from './validate'

/**
 * What one call would send: when the values are complete, the very prompts generation builds (the
 * filled prompt plus the scenario's facts and the turn instructions it adds); otherwise the
 * template's prompts filled as far as they go, with what is missing, unknown or invalid named.
 */
export async function previewPrompts(db: Kysely<DB>, template: Template, given: Record<string, unknown>, scenario?: Scenario): Promise<ResolvedPrompts & { exact: boolean }> {
  const resolved = resolvePrompts(snapshotOf(template), given, scenario)
  if (resolved.missing.length || resolved.unknown.length || Object.keys(resolved.invalid).length) return { ...resolved, exact: false }
  const values = Object.fromEntries(Object.entries(given).filter((entry): entry is [string, ParameterValue] => ['string', 'number', 'boolean'].includes(typeof entry[1]) && entry[1] !== ''))
  try {
    const generation = await resolveGeneration(db, { template_id: template.id, scenario_ids: scenario ? [scenario.id] : [], edge_case_ids: [], values })
    const item = generation.items[0]
    return item ? { ...resolved, system_prompt: item.system_prompt, prompt: item.prompt, exact: true } : { ...resolved, exact: false }
  } catch (err) {
    // e.g. an archived template: generation refuses it, the preview still shows the filled prompts.
    if (err instanceof AppError) return { ...resolved, exact: false }
    throw err
  }
}

import type { Kysely } from 'kysely'
import { z } from 'zod'
import { conversationTool } from '../claude/conversation-tool'
import type { DB, TemplateParameter, TemplateSnapshot } from '../db/schema'
import { AppError, NotFound } from '../errors'
import { type BatchEstimate, estimateBatch, type TokenHistory } from '../generation/cost'
import { resolveGeneration } from '../generation/inputs'
import { type ResolvedPrompts, resolvePrompts } from './prompt'
import { type EdgeCase, findEdgeCaseWithScenario, findScenario, type Scenario, snapshotOf, type Template } from './queries'
import type { ParameterValue } from './validate'
import { parameterTypes, typedValues, valueTextsFromForm } from './value-fields'

/** The template preview: the prompts one call would send, from sample values, and what it would cost. */

/** Blank or malformed ids mean "none" on the page's selects. */
const PreviewIds = z.object({ scenario_id: z.uuid().optional().catch(undefined), edge_case_id: z.uuid().optional().catch(undefined) })

/** The preview page's form (or query string): the sample texts as typed, those values typed, and the scenario or edge case. */
export function previewFromForm(body: Record<string, unknown>, parameters: TemplateParameter[]) {
  const samples = valueTextsFromForm(body)
  return { samples, values: typedValues(samples, parameterTypes(parameters)), ...PreviewIds.parse(body) }
}

/**
 * What one call would send: when the values are complete, the very prompts generation builds (the
 * filled prompt plus the scenario's facts and the turn instructions it adds); otherwise the
 * template's prompts filled as far as they go, with what is missing, unknown or invalid named.
 */
export type PreviewSource = { scenario?: Scenario; edgeCase?: EdgeCase }

/** The scenario or edge case (with its scenario) a preview is for; one of another template is not found. */
export async function findPreviewSource(db: Kysely<DB>, template: Template, ids: { scenario_id?: string; edge_case_id?: string }): Promise<PreviewSource> {
  if (ids.edge_case_id) {
    const found = await findEdgeCaseWithScenario(db, ids.edge_case_id)
    if (found?.template.id !== template.id) throw new NotFound('No such edge case in this template.')
    return { scenario: found.scenario, edgeCase: found.edgeCase }
  }
  if (ids.scenario_id) {
    const scenario = await findScenario(db, ids.scenario_id)
    if (scenario?.template_id !== template.id) throw new NotFound('No such scenario in this template.')
    return { scenario }
  }
  return {}
}

export async function previewPrompts(
  db: Kysely<DB>,
  template: Template,
  given: Record<string, unknown>,
  source: PreviewSource = {},
): Promise<ResolvedPrompts & { exact: boolean }> {
  const resolved = resolvePrompts(snapshotOf(template), given, source.scenario)
  if (resolved.missing.length || resolved.unknown.length || Object.keys(resolved.invalid).length) return { ...resolved, exact: false }
  const values = Object.fromEntries(
    Object.entries(given).filter((entry): entry is [string, ParameterValue] => ['string', 'number', 'boolean'].includes(typeof entry[1]) && entry[1] !== ''),
  )
  const items = source.edgeCase
    ? { scenario_ids: [], edge_case_ids: [source.edgeCase.id] }
    : { scenario_ids: source.scenario ? [source.scenario.id] : [], edge_case_ids: [] }
  try {
    const generation = await resolveGeneration(db, { template_id: template.id, ...items, chunk_ids: [], values })
    const item = generation.items[0]
    return item ? { ...resolved, system_prompt: item.system_prompt, prompt: item.prompt, exact: true } : { ...resolved, exact: false }
  } catch (err) {
    // e.g. an archived template: generation refuses it, the preview still shows the filled prompts.
    if (err instanceof AppError) return { ...resolved, exact: false }
    throw err
  }
}

/**
 * One call's estimate at the active model's price: from the template's past conversations once it
 * has enough (`history`), else from the prompts' length (about four characters a token, see generation/cost.ts).
 */
export function estimateCall(
  snapshot: TemplateSnapshot,
  resolved: ResolvedPrompts,
  settings: { model: string; requests_per_minute: number; max_concurrency: number },
  history?: TokenHistory,
): BatchEstimate {
  return estimateBatch({
    history,
    model: settings.model,
    items: [{ system: resolved.system_prompt, prompt: resolved.prompt }],
    countPerItem: 1,
    minTurns: snapshot.min_turns,
    maxTurns: snapshot.max_turns,
    toolText: JSON.stringify(conversationTool),
    requestsPerMinute: settings.requests_per_minute,
    maxConcurrency: settings.max_concurrency,
  })
}

import type { TemplateSnapshot } from '../db/schema'
import { fillPlaceholders } from './placeholders'
import type { Scenario } from './queries'
import { SCENARIO_TEXT_FIELDS } from './scenarios'
import { type ParameterValue, valueProblem } from './validate'

/** A template's prompts with values filled in: what generation sends, and what the preview starts from. */

export type ResolvedPrompts = {
  system_prompt: string
  prompt: string
  values: Record<string, ParameterValue>
  /** Parameters that are required (or used in the text) but have no value. */
  missing: string[]
  /** Values given for names the template does not define. */
  unknown: string[]
  /** Values that do not fit their parameter's type, by name. */
  invalid: Record<string, string>
}

/**
 * Values come from, in rising precedence: parameter defaults, the scenario's persona/emotion/…
 * for parameters of those names, the scenario's values, then the given values.
 */
export function resolvePrompts(
  snapshot: TemplateSnapshot,
  given: Record<string, unknown>,
  scenario?: Pick<Scenario, (typeof SCENARIO_TEXT_FIELDS)[number] | 'values'>,
): ResolvedPrompts {
  const byName = new Map(snapshot.parameters.map((param) => [param.name, param]))
  const values: Record<string, ParameterValue> = {}
  for (const param of snapshot.parameters) if (param.default !== undefined) values[param.name] = param.default
  if (scenario) {
    for (const field of SCENARIO_TEXT_FIELDS) if (scenario[field] && byName.has(field)) values[field] = scenario[field]
    Object.assign(values, scenario.values)
  }
  const unknown: string[] = []
  const invalid: Record<string, string> = {}
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined || value === null || value === '') continue
    const param = byName.get(name)
    if (!param) {
      unknown.push(name)
      continue
    }
    const problem = valueProblem(param, value)
    if (problem) invalid[name] = problem
    else values[name] = value as ParameterValue
  }
  const system = fillPlaceholders(snapshot.system_prompt, values)
  const prompt = fillPlaceholders(snapshot.prompt, values)
  const missing = new Set([
    ...snapshot.parameters.filter((param) => param.required && values[param.name] === undefined).map((param) => param.name),
    ...system.missing,
    ...prompt.missing,
  ])
  return { system_prompt: system.text, prompt: prompt.text, values, missing: [...missing], unknown, invalid }
}

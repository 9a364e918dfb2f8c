import { z } from 'zod'
import type { TemplateParameter } from '../db/schema'
import { ValidationFailed } from '../errors'
import { parseInput } from '../http/respond'
import { formText } from './form'
import type { EdgeCaseFields, ScenarioFields } from './queries'
import { scenarioValueProblems } from './validate'
import { parameterTypes, typedValues, valueTextsFromForm } from './value-fields'

/** Scenario and edge case input: the zod shapes, the check of values against the template, and form reading. */

/** The columns a scenario fixes besides template parameter values. */
export const SCENARIO_TEXT_FIELDS = ['persona', 'emotion', 'topic', 'context', 'intent', 'tone'] as const

const Text = (max: number) => z.string('Must be text').trim().max(max, `Use at most ${max} characters`).default('')

export const ScenarioInput = z.object({
  name: z.string('Give the scenario a name').trim().min(1, 'Give the scenario a name').max(200, 'Use at most 200 characters'),
  persona: Text(2000),
  emotion: Text(200),
  topic: Text(500),
  context: Text(5000),
  intent: Text(500),
  tone: Text(200),
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], 'A value is a string, number or boolean')).default({}),
})

export const EdgeCaseInput = z.object({
  name: z.string('Give the edge case a name').trim().min(1, 'Give the edge case a name').max(200, 'Use at most 200 characters'),
  type: Text(100),
  description: z.string('Describe the edge case').trim().min(1, 'Describe the edge case').max(5000, 'Use at most 5000 characters'),
  complexity: z.coerce.number('Give a number from 1 to 10').int('Use a whole number').min(1, 'From 1 to 10').max(10, 'From 1 to 10').default(5),
})

/** Parsed scenario fields with values checked against the template's parameters; throws ValidationFailed. */
export function parseScenario(parameters: TemplateParameter[], body: unknown): ScenarioFields {
  const parsed = parseInput(ScenarioInput, body)
  const problems = scenarioValueProblems(parameters, parsed.values)
  const names = Object.keys(problems)
  if (names.length) {
    const summary = names.map((name) => `${name}: ${problems[name]}`).join('; ')
    throw new ValidationFailed(`Some values do not fit the template's parameters (${summary}).`, problems)
  }
  return parsed
}

export type ScenarioFormValues = Record<(typeof SCENARIO_TEXT_FIELDS)[number] | 'name', string> & { values: Record<string, string> }

/** A posted scenario form: its text fields and its `values.<name>` inputs, as typed. */
export function scenarioFormValues(body: Record<string, unknown>): ScenarioFormValues {
  return {
    name: formText(body.name),
    persona: formText(body.persona),
    emotion: formText(body.emotion),
    topic: formText(body.topic),
    context: formText(body.context),
    intent: formText(body.intent),
    tone: formText(body.tone),
    values: valueTextsFromForm(body),
  }
}

/** The form as the JSON API's scenario: values typed by the template's parameters, blanks left unset. */
export function scenarioInputFromForm(form: ScenarioFormValues, parameters: TemplateParameter[]): Record<string, unknown> {
  return { ...form, values: typedValues(form.values, parameterTypes(parameters)) }
}

export function scenarioFormFromFields(fields: ScenarioFields): ScenarioFormValues {
  const values = Object.fromEntries(Object.entries(fields.values).map(([name, value]) => [name, String(value)]))
  return { ...fields, values }
}

export type EdgeCaseFormValues = Record<keyof EdgeCaseFields, string>

export function edgeCaseFormValues(source: Record<string, unknown> | EdgeCaseFields): EdgeCaseFormValues {
  const get = (key: keyof EdgeCaseFields) => (source[key] === undefined ? '' : String(source[key]))
  return { name: get('name'), type: get('type'), description: get('description'), complexity: get('complexity') || '5' }
}

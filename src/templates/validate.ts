import { z } from 'zod'
import { type TemplateParameter, type TemplateSnapshot, TIERS } from '../db/schema'
import { braceProblem, findPlaceholders } from './placeholders'

/**
 * What a template must satisfy to be saved: the zod shape of its fields, then the rules that tie
 * them together (placeholders defined, names unique, types and defaults consistent, braces balanced).
 */

export const PARAMETER_TYPES = ['string', 'number', 'enum', 'boolean'] as const
export type ParameterValue = string | number | boolean

const ParameterName = z
  .string()
  .trim()
  .min(1, 'Give the parameter a name')
  .max(64, 'Use at most 64 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Use letters, digits and _ only, not starting with a digit')

const ParameterFields = z.object({
  name: ParameterName,
  type: z.enum(PARAMETER_TYPES, 'Choose a type: string, number, enum or boolean').optional(),
  required: z.boolean('Say true or false').default(false),
  default: z.union([z.string(), z.number(), z.boolean()], 'A default is a string, number or boolean').optional(),
  values: z.array(z.string().trim().min(1, 'Allowed values cannot be empty').max(200)).max(200).optional(),
  description: z.string().trim().max(500).optional(),
})

const TemplateFields = z.object({
  name: z.string('Give the template a name').trim().min(1, 'Give the template a name').max(200, 'Use at most 200 characters'),
  description: z.string().trim().max(5000).default(''),
  category: z.string().trim().max(100).default(''),
  target_tier: z.enum(TIERS, 'Choose T1, T2 or T3').default('T1'),
  system_prompt: z.string('Write a system prompt').trim().min(1, 'Write a system prompt').max(100_000),
  prompt: z.string('Write the conversation prompt').trim().min(1, 'Write the conversation prompt').max(100_000),
  parameters: z.array(ParameterFields, 'Parameters are a list').max(100, 'At most 100 parameters').default([]),
  min_turns: z.coerce.number('Give a number').int('Use a whole number').min(2, 'At least 2 turns').max(200, 'At most 200 turns'),
  max_turns: z.coerce.number('Give a number').int('Use a whole number').min(2, 'At least 2 turns').max(200, 'At most 200 turns'),
  quality_threshold: z.coerce.number('Give a number').min(0, 'Between 0 and 10').max(10, 'Between 0 and 10').default(6),
  notes: z.string().trim().max(20_000).default(''),
})

/** The message for a value that does not fit its parameter, or null when it fits. */
export function valueProblem(param: TemplateParameter, value: unknown): string | null {
  switch (param.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'Must be a number'
    case 'boolean':
      return typeof value === 'boolean' ? null : 'Must be true or false'
    case 'enum':
      return typeof value === 'string' && (param.values ?? []).includes(value) ? null : `Must be one of: ${(param.values ?? []).join(', ')}`
    case 'string':
      return typeof value === 'string' ? null : 'Must be text'
  }
}

type Fields = z.output<typeof TemplateFields>

function checkTemplate(input: Fields, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message })
  const seen = new Set<string>()
  input.parameters.forEach((param, i) => {
    if (seen.has(param.name)) issue(['parameters', i, 'name'], `“${param.name}” is defined twice`)
    seen.add(param.name)
    if (!param.type) {
      if (param.required) issue(['parameters', i, 'type'], 'A required parameter needs a type')
      return
    }
    if (param.type === 'enum' && !param.values?.length) issue(['parameters', i, 'values'], 'An enum needs its allowed values')
    else if (param.default !== undefined) {
      const problem = valueProblem({ ...param, type: param.type, required: param.required }, param.default)
      if (problem) issue(['parameters', i, 'default'], `The default does not fit the type: ${problem.toLowerCase()}`)
    }
  })
  for (const field of ['system_prompt', 'prompt'] as const) {
    const braces = braceProblem(input[field])
    if (braces) {
      issue([field], braces)
      continue
    }
    const undefinedNames = findPlaceholders(input[field]).filter((name) => !seen.has(name))
    if (undefinedNames.length) {
      const listed = undefinedNames.map((name) => `{{${name}}}`).join(', ')
      issue(
        [field],
        `${listed} ${undefinedNames.length === 1 ? 'is not a defined parameter' : 'are not defined parameters'}: define ${undefinedNames.length === 1 ? 'it' : 'them'} or remove ${undefinedNames.length === 1 ? 'it' : 'them'}`,
      )
    }
  }
  if (input.min_turns > input.max_turns) issue(['max_turns'], `Must be at least the minimum (${input.min_turns})`)
}

function toSnapshot(input: Fields): TemplateSnapshot {
  return {
    ...input,
    parameters: input.parameters.map((param) => {
      const type = param.type ?? 'string'
      const out: TemplateParameter = { name: param.name, type, required: param.required }
      if (param.default !== undefined) out.default = param.default
      if (type === 'enum') out.values = param.values ?? []
      if (param.description) out.description = param.description
      return out
    }),
  }
}

/** A template's fields as sent (JSON, or a form turned into the same shape), checked and normalised. */
export const TemplateInput = TemplateFields.superRefine(checkTemplate).transform(toSnapshot)

/** Scenario values against the template's parameters: unknown names and wrong types are refused. */
export function scenarioValueProblems(parameters: TemplateParameter[], values: Record<string, unknown>): Record<string, string> {
  const byName = new Map(parameters.map((param) => [param.name, param]))
  const problems: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) {
    const param = byName.get(name)
    const problem = param ? valueProblem(param, value) : 'Not a parameter of this template'
    if (problem) problems[`values.${name}`] = problem
  }
  return problems
}

/** A form's text for a typed parameter: '' means unset; numbers and booleans are converted when they parse. */
export function typedFromText(type: TemplateParameter['type'] | undefined, text: string): ParameterValue | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (type === 'number') return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed
  if (type === 'boolean') return trimmed === 'true' ? true : trimmed === 'false' ? false : trimmed
  return text
}

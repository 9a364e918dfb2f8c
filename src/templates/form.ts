import type { TemplateParameter, TemplateSnapshot } from '../db/schema'
import { ValidationFailed } from '../errors'
import { single } from '../http/params'
import { fieldErrors } from '../http/respond'
import { PARAMETER_TYPES, TemplateInput, typedFromText } from './validate'

/**
 * The template form as text, exactly as typed: what the page re-renders after an error, what a
 * draft stores, and what becomes the JSON-shaped input the validator checks. Parameters are rows
 * of inputs named `parameters[i][field]`, so the form works without JavaScript.
 */

export type ParameterRow = { name: string; type: string; required: string; default: string; values: string; description: string }

export type TemplateFormValues = {
  name: string
  description: string
  category: string
  target_tier: string
  system_prompt: string
  prompt: string
  min_turns: string
  max_turns: string
  quality_threshold: string
  notes: string
  parameters: ParameterRow[]
}

/** A template's fields in the order the form shows them (and a version diff lists them). */
export const TEMPLATE_FIELDS = [
  'name',
  'description',
  'category',
  'target_tier',
  'system_prompt',
  'prompt',
  'parameters',
  'min_turns',
  'max_turns',
  'quality_threshold',
  'notes',
] as const
const TEXT_FIELDS = TEMPLATE_FIELDS.filter((field): field is Exclude<(typeof TEMPLATE_FIELDS)[number], 'parameters'> => field !== 'parameters')
const ROW_FIELDS = ['name', 'type', 'required', 'default', 'values', 'description'] as const
const ROW_KEY = /^parameters\[(\d{1,3})\]\[(name|type|required|default|values|description)\]$/

/** Blank rows the form always offers for new parameters. */
export const BLANK_ROWS = 3

export function blankRow(): ParameterRow {
  return { name: '', type: 'string', required: 'no', default: '', values: '', description: '' }
}

/** A form field's text: '' when absent, or when a repeated key makes it ambiguous. */
export function formText(value: unknown): string {
  const one = single(value)
  return typeof one === 'string' ? one : ''
}

/** Reads a posted form (or a stored draft) into form values; unknown keys are ignored. */
export function formValuesFromBody(body: Record<string, unknown>): TemplateFormValues {
  const rows = new Map<number, ParameterRow>()
  for (const [key, value] of Object.entries(body)) {
    const match = ROW_KEY.exec(key)
    if (!match) continue
    const index = Number(match[1])
    const row = rows.get(index) ?? { ...blankRow(), type: '' }
    row[match[2] as (typeof ROW_FIELDS)[number]] = formText(value)
    rows.set(index, row)
  }
  const values = Object.fromEntries(TEXT_FIELDS.map((field) => [field, formText(body[field])])) as Omit<TemplateFormValues, 'parameters'>
  return { ...values, parameters: [...rows.entries()].sort(([a], [b]) => a - b).map(([, row]) => row) }
}

export function formValuesFromSnapshot(snapshot: TemplateSnapshot): TemplateFormValues {
  return {
    name: snapshot.name,
    description: snapshot.description,
    category: snapshot.category,
    target_tier: snapshot.target_tier,
    system_prompt: snapshot.system_prompt,
    prompt: snapshot.prompt,
    min_turns: String(snapshot.min_turns),
    max_turns: String(snapshot.max_turns),
    quality_threshold: String(snapshot.quality_threshold),
    notes: snapshot.notes,
    parameters: snapshot.parameters.map((param) => ({
      name: param.name,
      type: param.type,
      required: param.required ? 'yes' : 'no',
      default: param.default === undefined ? '' : String(param.default),
      values: (param.values ?? []).join(', '),
      description: param.description ?? '',
    })),
  }
}

export function emptyFormValues(): TemplateFormValues {
  return {
    name: '',
    description: '',
    category: '',
    target_tier: 'T1',
    system_prompt: '',
    prompt: '',
    min_turns: '4',
    max_turns: '8',
    quality_threshold: '6',
    notes: '',
    parameters: [],
  }
}

const isBlank = (row: ParameterRow) => !row.name.trim() && !row.default.trim() && !row.values.trim() && !row.description.trim()

function parameterFromRow(row: ParameterRow): Record<string, unknown> {
  const type = (PARAMETER_TYPES as readonly string[]).includes(row.type) ? (row.type as TemplateParameter['type']) : undefined
  const values = row.values
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
  return {
    name: row.name,
    type: row.type === '' ? undefined : (type ?? row.type),
    required: row.required === 'yes',
    default: typedFromText(type, row.default),
    values: values.length ? values : undefined,
    description: row.description,
  }
}

/**
 * The JSON-shaped input for TemplateInput. Blank rows are dropped; row `i` of the form keeps
 * index `i` in `rowIndex` so an error on `parameters.k.*` can be shown beside the right row.
 */
export function inputFromFormValues(values: TemplateFormValues): { input: Record<string, unknown>; rowIndex: number[] } {
  const rowIndex: number[] = []
  const parameters: Record<string, unknown>[] = []
  values.parameters.forEach((row, i) => {
    if (isBlank(row)) return
    rowIndex.push(i)
    parameters.push(parameterFromRow(row))
  })
  const { parameters: _rows, ...rest } = values
  return { input: { ...rest, parameters }, rowIndex }
}

/** Field errors keyed for the form: `parameters.k.field` of the input becomes `parameters.i.field` of the rows. */
export function formFieldErrors(fields: Record<string, string>, rowIndex: number[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, message] of Object.entries(fields)) {
    const match = /^parameters\.(\d+)\.(.+)$/.exec(key)
    out[match ? `parameters.${rowIndex[Number(match[1])] ?? match[1]}.${match[2]}` : key] = message
  }
  return out
}

/** Keeps at least `blank` empty rows at the end, for new parameters (more after "Add a parameter row"). */
export function padRows(values: TemplateFormValues, blank = BLANK_ROWS): TemplateFormValues {
  const rows = values.parameters.slice(0, values.parameters.length - trailingBlankRows(values))
  for (let i = 0; i < blank; i++) rows.push(blankRow())
  return { ...values, parameters: rows }
}

/** The number of empty rows at the end of the posted form. */
export function trailingBlankRows(values: TemplateFormValues): number {
  let trailing = 0
  while (trailing < values.parameters.length && isBlank(values.parameters[values.parameters.length - 1 - trailing]!)) trailing++
  return trailing
}

/** The template form checked exactly as the API checks JSON; throws ValidationFailed with errors keyed to the form's rows. */
export function parseTemplateForm(values: TemplateFormValues): TemplateSnapshot {
  const { input, rowIndex } = inputFromFormValues(values)
  const parsed = TemplateInput.safeParse(input)
  if (parsed.success) return parsed.data
  const fields = formFieldErrors(fieldErrors(parsed.error), rowIndex)
  const summary = Object.entries(fields)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ')
  throw new ValidationFailed(`Some fields are not valid (${summary}).`, fields)
}

/** True when two forms say the same thing, blank parameter rows at the end aside. */
export function sameForm(a: TemplateFormValues, b: TemplateFormValues): boolean {
  return JSON.stringify(padRows(a, 0)) === JSON.stringify(padRows(b, 0))
}

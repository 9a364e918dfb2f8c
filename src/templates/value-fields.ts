import type { TemplateParameter } from '../db/schema'
import { single } from '../http/params'
import { type ParameterValue, typedFromText } from './validate'

/**
 * Template parameter values in every form (scenario, preview, generate, regenerate): one input per
 * parameter named `values.<name>`, the same key its error has (`values.<name>`), read by these two.
 */
export const valueField = (name: string): string => `values.${name}`

const VALUE_KEY = /^values\.(.+)$/

/** The text of each `values.<name>` input, as typed (blank included, so a form shows it again). */
export function valueTextsFromForm(body: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(body).flatMap(([key, raw]) => {
    const name = VALUE_KEY.exec(key)?.[1]
    const value = single(raw)
    return name !== undefined && typeof value === 'string' ? [[name, value] as const] : []
  })
  return Object.fromEntries(entries)
}

/** Those texts typed as each parameter wants (numbers, booleans); a blank input means "not given" and is left out. */
export function typedValues(texts: Record<string, string>, typeOf: (name: string) => TemplateParameter['type'] | undefined): Record<string, ParameterValue> {
  const entries = Object.entries(texts).flatMap(([name, text]) => {
    const value = typedFromText(typeOf(name), text)
    return value === undefined ? [] : [[name, value] as const]
  })
  return Object.fromEntries(entries)
}

/** The type of a value given before (a conversation's), so a changed value is read as the same type. */
export const typeOfValue = (value: unknown): TemplateParameter['type'] =>
  typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string'

/** Each parameter's type by name, for typedValues. */
export function parameterTypes(parameters: TemplateParameter[]): (name: string) => TemplateParameter['type'] | undefined {
  const types = new Map(parameters.map((param) => [param.name, param.type]))
  return (name) => types.get(name)
}

/** A form's values typed by a template's parameters. */
export function valuesFromForm(body: Record<string, unknown>, parameters: TemplateParameter[]): Record<string, ParameterValue> {
  return typedValues(valueTextsFromForm(body), parameterTypes(parameters))
}

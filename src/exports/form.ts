import { z } from 'zod'
import type { NewExportValues } from '../../views/exports/NewExportPage'
import { FILTER_KEYS } from '../conversations/filter'
import { single } from '../http/params'
import { ExportOptions, ExportRequest } from './schemas'

/** The new-export form: its fields read into what the page shows, and into the request the JSON API takes. */

const SCOPE_KEYS: string[] = [...FILTER_KEYS, 'conversation_ids']

/** The texts a field sent (once or repeated); conversation ids may also come comma-separated from the dashboard. */
function texts(key: string, value: unknown): string[] {
  const list = (Array.isArray(value) ? value : [value]).filter((x): x is string => typeof x === 'string')
  return list.flatMap((x) => (key === 'conversation_ids' ? x.split(',') : [x])).filter(Boolean)
}

/** The form's values from a query string or a posted form: first visit (from the dashboard), "update preview", or a refused post. */
/**
 * The form's values from what was posted (or asked for in the query); a field not sent starts as
 * the user's own default (`preferred`: their default format and "include metadata").
 */
export function exportFormValues(
  body: Record<string, unknown>,
  preferred: { format: string; include_metadata: boolean } = { format: 'openai', include_metadata: true },
): NewExportValues {
  const scope = Object.fromEntries(
    Object.entries(body)
      .filter(([k]) => SCOPE_KEYS.includes(k))
      .map(([k, v]) => [k, texts(k, v)] as const)
      .filter(([, v]) => v.length),
  )
  const kinds = ['approved', 'filter', 'selected'] as const
  const asked = kinds.find((k) => k === single(body.scope_kind))
  const scopeKind = asked ?? (scope.conversation_ids ? 'selected' : Object.keys(scope).length ? 'filter' : 'approved')
  const submitted = body.format !== undefined
  const defaults = { ...ExportOptions.parse({}), include_metadata: preferred.include_metadata }
  const ticked = (name: keyof typeof defaults) => (submitted ? body[name] !== undefined : Boolean(defaults[name]))
  const text = (name: string, fallback: string) => {
    const value = single(body[name])
    return typeof value === 'string' ? value : fallback
  }
  return {
    format: text('format', preferred.format),
    scope,
    scopeKind,
    options: {
      include_metadata: ticked('include_metadata'),
      include_system_prompt: ticked('include_system_prompt'),
      only_non_simulated: ticked('only_non_simulated'),
      gzip: ticked('gzip'),
      validation_percent: text('validation_percent', String(defaults.validation_percent)),
      split_seed: text('split_seed', defaults.split_seed),
    },
  }
}

/** The values as the form would post them. */
export function exportFormBody(values: NewExportValues): Record<string, unknown> {
  return {
    ...values.scope,
    scope_kind: values.scopeKind,
    format: values.format,
    ...Object.fromEntries(Object.entries(values.options).filter(([, v]) => v !== false)),
  }
}

const OPTION_FLAGS = ['include_metadata', 'include_system_prompt', 'only_non_simulated', 'gzip'] as const

/**
 * The new-export form, flattened: format, the scope's fields as they came from the dashboard's query
 * string, and the options (an unticked checkbox is simply absent, so absent means false here).
 */
function requestFromForm(body: Record<string, unknown>): Record<string, unknown> {
  const keep: Record<string, (key: string) => boolean> = {
    approved: () => false,
    filter: (k) => (FILTER_KEYS as string[]).includes(k),
    selected: (k) => k === 'conversation_ids',
  }
  const wanted = keep[String(body.scope_kind)] ?? ((k: string) => (FILTER_KEYS as string[]).includes(k) || k === 'conversation_ids')
  const scope = Object.fromEntries(Object.entries(body).filter(([k]) => wanted(k)))
  const options: Record<string, unknown> = Object.fromEntries(OPTION_FLAGS.map((k) => [k, body[k] !== undefined && body[k] !== 'false']))
  if (body.validation_percent !== undefined && body.validation_percent !== '') options.validation_percent = body.validation_percent
  if (body.split_seed !== undefined && body.split_seed !== '') options.split_seed = body.split_seed
  return { format: body.format, scope, options }
}

/** The form (or the preview's query string) checked as the JSON API's request. */
export const ExportForm = z.record(z.string(), z.unknown()).transform(requestFromForm).pipe(ExportRequest)

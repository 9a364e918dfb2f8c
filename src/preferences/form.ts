import { single } from '../http/params'
import { SHORTCUT_ACTIONS } from './schema'

/**
 * The preferences form as a change: checkboxes that are absent are off, blank numbers are "none",
 * and `shortcuts.approve`-style names fill the nested objects. Values are checked by the one schema.
 */
export function preferencesFromForm(body: Record<string, unknown>): Record<string, unknown> {
  const text = (name: string) => {
    const value = single(body[name])
    return typeof value === 'string' ? value.trim() : undefined
  }
  const on = (name: string) => text(name) !== undefined
  const number = (name: string) => {
    const value = text(name)
    return value === undefined || value === '' ? null : Number(value)
  }
  return {
    theme: text('theme'),
    density: text('density'),
    animations: on('animations'),
    timezone: text('timezone'),
    rows_per_page: number('rows_per_page') ?? undefined,
    default_sort: text('default_sort'),
    default_export_format: text('default_export_format'),
    include_metadata: on('include_metadata'),
    shortcuts_enabled: on('shortcuts_enabled'),
    shortcuts: Object.fromEntries(SHORTCUT_ACTIONS.map((action) => [action, text(`shortcuts.${action}`)])),
    quality_highlight_below: number('quality_highlight_below'),
    notify: {
      batch_done: on('notify.batch_done'),
      review_needed: number('notify.review_needed'),
      export_ready: on('notify.export_ready'),
      browser: on('notify.browser'),
    },
    ...(on('clear_default_filters') ? { default_filters: {} } : {}),
  }
}

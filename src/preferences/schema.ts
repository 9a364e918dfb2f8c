import { z } from 'zod'
import { DASHBOARD_COLUMNS, DEFAULT_DASHBOARD_COLUMNS } from '../conversations/columns'
import { checkFilter, FILTER_FIELDS } from '../conversations/filter'
import { SORTS } from '../conversations/sort'
import { isTimeZone } from '../days'
import { EXPORT_FORMATS } from '../db/schema'

/**
 * A user's preferences: one schema, one set of defaults. What is stored is only what the user
 * changed; reading fills the rest from the defaults, and a stored value that is no longer valid
 * (a removed option) falls back to its default instead of breaking the user's pages.
 */

export const THEMES = ['light', 'dark', 'system'] as const
export const DENSITIES = ['compact', 'normal', 'comfortable'] as const
/** The review screen's actions whose keys a user may remap (Escape, Enter, 1–9 and ? stay fixed). */
export const SHORTCUT_ACTIONS = ['approve', 'reject', 'request_changes', 'next', 'previous', 'undo'] as const
export type ShortcutAction = (typeof SHORTCUT_ACTIONS)[number]

export const DEFAULT_SHORTCUTS: Record<ShortcutAction, string> = { approve: 'a', reject: 'r', request_changes: 'c', next: 'n', previous: 'p', undo: 'u' }
/** Keys the review screen keeps for itself. */
const RESERVED_KEYS = new Set(['?', 'escape', 'enter', 'j', 'k', ...'123456789'])

const key = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]$/, 'must be one letter or digit')
  .refine((k) => !RESERVED_KEYS.has(k), 'is kept by the review screen (?, Esc, Enter, j, k and 1–9)')

const defaultFilters = z
  .strictObject(FILTER_FIELDS, { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown filter ${issue.keys.join(', ')}` : undefined) })
  .superRefine(checkFilter)

/** Every field, its rule and its default. */
const FIELDS = {
  theme: z.enum(THEMES, { error: `must be one of ${THEMES.join(', ')}` }).default('system'),
  density: z.enum(DENSITIES, { error: `must be one of ${DENSITIES.join(', ')}` }).default('normal'),
  animations: z.boolean({ error: 'must be true or false' }).default(true),
  timezone: z.string({ error: 'must be a time zone' }).refine(isTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC').default('UTC'),
  rows_per_page: z
    .number({ error: 'must be a whole number from 10 to 200' })
    .int('must be a whole number')
    .min(10, 'must be at least 10')
    .max(200, 'must be at most 200')
    .default(50),
  default_sort: z.enum(SORTS, { error: `must be one of ${SORTS.join(', ')}` }).default('created_desc'),
  default_filters: defaultFilters.default({}),
  /** The dashboard table's optional columns to show, in any order (the page keeps its own order). */
  dashboard_columns: z
    .array(z.enum(DASHBOARD_COLUMNS, { error: `must list only ${DASHBOARD_COLUMNS.join(', ')}` }), { error: 'must be a list of column names' })
    .max(DASHBOARD_COLUMNS.length, 'must list each column at most once')
    .refine((columns) => new Set(columns).size === columns.length, 'must list each column at most once')
    .default(DEFAULT_DASHBOARD_COLUMNS),
  default_export_format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default('openai'),
  include_metadata: z.boolean({ error: 'must be true or false' }).default(true),
  shortcuts_enabled: z.boolean({ error: 'must be true or false' }).default(true),
  shortcuts: z
    .strictObject(Object.fromEntries(SHORTCUT_ACTIONS.map((a) => [a, key.optional()])) as Record<ShortcutAction, z.ZodOptional<typeof key>>, {
      error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown action ${issue.keys.join(', ')}` : undefined),
    })
    .default({}),
  quality_highlight_below: z
    .number({ error: 'must be a score from 0 to 10, or null' })
    .min(0, 'must be from 0 to 10')
    .max(10, 'must be from 0 to 10')
    .nullable()
    .default(null),
  notify: z
    .strictObject({
      batch_done: z.boolean({ error: 'must be true or false' }).optional(),
      review_needed: z.number({ error: 'must be a queue size, or null for never' }).int().min(1).max(1_000_000).nullable().optional(),
      export_ready: z.boolean({ error: 'must be true or false' }).optional(),
      browser: z.boolean({ error: 'must be true or false' }).optional(),
    })
    .default({}),
}

type Fields = typeof FIELDS
export type Preferences = { [K in keyof Fields]: z.output<Fields[K]> } & {
  shortcuts: Record<ShortcutAction, string>
  notify: { batch_done: boolean; review_needed: number | null; export_ready: boolean; browser: boolean }
}

const DEFAULT_NOTIFY = { batch_done: true, review_needed: null, export_ready: true, browser: false }

/** What PUT /api/me/preferences takes: any subset; an unknown field or a bad value is a 400 naming it. */
export const PreferencesChange = z.strictObject(
  Object.fromEntries(Object.entries(FIELDS).map(([name, schema]) => [name, schema.removeDefault().optional()])) as {
    [K in keyof Fields]: z.ZodOptional<ReturnType<Fields[K]['removeDefault']>>
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown preference ${issue.keys.join(', ')}` : undefined) },
)

export type PreferencesChange = z.infer<typeof PreferencesChange>

/** The user's preferences from what is stored (anything): every field valid, defaults where not. */
export function preferencesFrom(stored: unknown): Preferences {
  const saved = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {}
  const read = <K extends keyof Fields>(name: K) => {
    const parsed = FIELDS[name].safeParse(saved[name])
    return parsed.success ? parsed.data : FIELDS[name].parse(undefined)
  }
  const preferences = Object.fromEntries(Object.keys(FIELDS).map((name) => [name, read(name as keyof Fields)])) as Preferences
  preferences.shortcuts = { ...DEFAULT_SHORTCUTS, ...preferences.shortcuts }
  preferences.notify = { ...DEFAULT_NOTIFY, ...preferences.notify }
  return preferences
}

export const DEFAULT_PREFERENCES: Preferences = preferencesFrom({})

/** Two actions on one key would make one of them unreachable: name both. */
export function shortcutConflict(shortcuts: Record<ShortcutAction, string>): { action: ShortcutAction; message: string } | undefined {
  const taken = new Map<string, ShortcutAction>()
  for (const action of SHORTCUT_ACTIONS) {
    const other = taken.get(shortcuts[action])
    if (other) return { action, message: `"${shortcuts[action]}" is already the key for ${label(other)}; ${label(action)} needs another` }
    taken.set(shortcuts[action], action)
  }
  return undefined
}

const label = (action: ShortcutAction) => action.replace('_', ' ')

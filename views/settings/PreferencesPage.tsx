import { filterParams } from '../../src/conversations/filter'
import { SORTS } from '../../src/conversations/sort'
import { EXPORT_FORMATS } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import { DENSITIES, type Preferences, SHORTCUT_ACTIONS, THEMES } from '../../src/preferences/schema'
import { FormError } from '../Field'
import { Layout } from '../Layout'
import { SettingsNav } from './SettingsNav'

const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')]
const SORT_LABELS: Record<(typeof SORTS)[number], string> = {
  created_desc: 'Newest first',
  created_asc: 'Oldest first',
  quality_desc: 'Best quality first',
  quality_asc: 'Lowest quality first',
  updated_desc: 'Recently changed first',
  updated_asc: 'Least recently changed first',
  title_asc: 'Title A–Z',
  title_desc: 'Title Z–A',
}
const ACTION_LABELS: Record<(typeof SHORTCUT_ACTIONS)[number], string> = {
  approve: 'Approve',
  reject: 'Reject',
  request_changes: 'Request changes',
  next: 'Next conversation',
  previous: 'Previous conversation',
  undo: 'Undo',
}

type Props = {
  ctx: PageContext
  preferences: Preferences
  notice?: string
  error?: string
  fields?: Record<string, string>
  /** What was posted, shown again when it was refused, so nothing typed is lost. */
  submitted?: Record<string, unknown>
}

export function PreferencesPage(props: Props) {
  const p = props.preferences
  const fields = props.fields ?? {}
  const posted = (name: string, saved: string | number | null) => {
    const value = props.submitted?.[name]
    return typeof value === 'string' ? value : saved === null ? '' : String(saved)
  }
  const checked = (name: string, saved: boolean) => (props.submitted ? props.submitted[name] !== undefined : saved)
  const choice = (name: string, values: readonly string[], saved: string, label: (v: string) => string = (v) => v) => (
    <select name={name} id={`f-${name}`}>
      {values.map((v) => (
        <option value={v} selected={posted(name, saved) === v}>
          {label(v)}
        </option>
      ))}
    </select>
  )
  const error = (name: string) => fields[name] && <p class="field-error">{fields[name]}</p>
  const defaultFilters = filterParams(p.default_filters).toString()
  return (
    <Layout ctx={props.ctx} title="Preferences">
      <SettingsNav ctx={props.ctx} />
      <h1>Preferences</h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <FormError message={props.error} />
      <form method="post" action="/settings/preferences" class="preferences">
        <fieldset>
          <legend>Appearance</legend>
          <label for="f-theme">Theme</label>
          {choice('theme', THEMES, p.theme, (v) => (v === 'system' ? 'As the system is set' : v[0]!.toUpperCase() + v.slice(1)))}
          <label for="f-density">Table density</label>
          {choice('density', DENSITIES, p.density, (v) => v[0]!.toUpperCase() + v.slice(1))}
          <label>
            <input type="checkbox" name="animations" checked={checked('animations', p.animations)} /> Animations
          </label>
          <label for="f-timezone">Time zone for every time shown</label>
          {choice('timezone', TIME_ZONES, p.timezone)}
          {error('timezone')}
        </fieldset>
        <fieldset>
          <legend>Lists</legend>
          <label for="f-rows_per_page">Rows per page</label>
          <input type="number" id="f-rows_per_page" name="rows_per_page" min={10} max={200} value={posted('rows_per_page', p.rows_per_page)} />
          {error('rows_per_page')}
          <label for="f-default_sort">Dashboard order</label>
          {choice('default_sort', SORTS, p.default_sort, (v) => SORT_LABELS[v as (typeof SORTS)[number]])}
          <p class="muted">
            Dashboard filters it opens with: {defaultFilters ? <code>{defaultFilters}</code> : 'none'} (set them with “Open the dashboard with these filters” on
            the dashboard).
          </p>
          {defaultFilters && (
            <label>
              <input type="checkbox" name="clear_default_filters" /> Clear these filters
            </label>
          )}
          <label for="f-quality_highlight_below">Highlight conversations scoring below</label>
          <input
            type="number"
            id="f-quality_highlight_below"
            name="quality_highlight_below"
            min={0}
            max={10}
            step="0.5"
            value={posted('quality_highlight_below', p.quality_highlight_below)}
            placeholder="no highlight"
          />
          {error('quality_highlight_below')}
        </fieldset>
        <fieldset>
          <legend>Exports</legend>
          <label for="f-default_export_format">Default format</label>
          {choice('default_export_format', EXPORT_FORMATS, p.default_export_format)}
          <label>
            <input type="checkbox" name="include_metadata" checked={checked('include_metadata', p.include_metadata)} /> Include metadata
          </label>
        </fieldset>
        <fieldset>
          <legend>Review keys</legend>
          <label>
            <input type="checkbox" name="shortcuts_enabled" checked={checked('shortcuts_enabled', p.shortcuts_enabled)} /> Keyboard shortcuts
          </label>
          <div class="shortcut-grid">
            {SHORTCUT_ACTIONS.map((action) => (
              <div class={fields[`shortcuts.${action}`] ? 'field invalid' : 'field'}>
                <label for={`f-shortcuts.${action}`}>{ACTION_LABELS[action]}</label>
                <input
                  id={`f-shortcuts.${action}`}
                  name={`shortcuts.${action}`}
                  maxlength={1}
                  size={2}
                  value={posted(`shortcuts.${action}`, p.shortcuts[action])}
                />
                {error(`shortcuts.${action}`)}
              </div>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Notifications</legend>
          <label>
            <input type="checkbox" name="notify.batch_done" checked={checked('notify.batch_done', p.notify.batch_done)} /> A batch I started finished
          </label>
          <label>
            <input type="checkbox" name="notify.export_ready" checked={checked('notify.export_ready', p.notify.export_ready)} /> An export I asked for is ready
          </label>
          <label for="f-notify.review_needed">Tell me when the review queue holds more than</label>
          <input
            type="number"
            id="f-notify.review_needed"
            name="notify.review_needed"
            min={1}
            value={posted('notify.review_needed', p.notify.review_needed)}
            placeholder="never"
          />
          {error('notify.review_needed')}
          <label>
            <input type="checkbox" name="notify.browser" checked={checked('notify.browser', p.notify.browser)} /> Also as browser notifications
          </label>
        </fieldset>
        <button type="submit">Save preferences</button>
      </form>
      <form method="post" action="/settings/preferences/reset" class="inline">
        <button type="submit" class="secondary">
          Reset to defaults
        </button>
      </form>
    </Layout>
  )
}

import type { BulkAction } from '../../src/conversations/bulk'
import { COLUMN_LABELS, DASHBOARD_COLUMNS } from '../../src/conversations/columns'
import type { ConversationFilter, FilterChoices } from '../../src/conversations/filter'
import type { ConversationPage } from '../../src/conversations/list'
import type { Sort } from '../../src/conversations/sort'
import { TIERS } from '../../src/db/schema'
import { type PageContext, userCan } from '../../src/http/page-context'
import { ChartScripts } from '../Chart'
import { Layout } from '../Layout'
import { LiveForm } from '../LiveForm'
import { Notice } from '../Notice'
import { SearchBox } from '../SearchBox'
import { Table } from '../Table'
import { BulkForm } from './BulkForm'
import { ConversationRows, type RowOptions, tableHeadings } from './ConversationRows'
import { DailyChartPlaceholder } from './DailyChart'
import { StatusChecks } from './StatusChecks'
import { SummaryPlaceholder } from './SummaryCards'

const SORT_LABELS: Record<Sort, string> = {
  created_desc: 'Newest first',
  created_asc: 'Oldest first',
  quality_desc: 'Highest quality',
  quality_asc: 'Lowest quality',
  updated_desc: 'Recently updated',
  updated_asc: 'Least recently updated',
  title_asc: 'Title A–Z',
  title_desc: 'Title Z–A',
}

export type DashboardView = {
  filter: ConversationFilter
  sort: Sort
  page: ConversationPage
  /** The filter and sort as a query string (no cursor). */
  params: string
  actions: BulkAction[]
  notice?: string
  rows: RowOptions
  /** The template filtered on, named once above the table. */
  templateName?: string
}

export function DashboardPage(props: { ctx: PageContext; view: DashboardView; choices: FilterChoices }) {
  return (
    <Layout ctx={props.ctx} title="Dashboard">
      <ChartScripts />
      <h1>Dashboard</h1>
      {userCan(props.ctx, 'admin') && (
        <p class="muted">
          <a href="/conversations/trash">Trash</a> (deleted conversations, restorable for 30 days)
        </p>
      )}
      <p class="muted">
        <a href="/conversations/orphaned">Orphaned conversations</a> (their source chunk was deleted or re-chunked; re-link them there)
      </p>
      <FilterForm view={props.view} choices={props.choices} />
      <Results view={props.view} />
    </Layout>
  )
}

/** Everything a new filter changes: the htmx response to the filter form is this region alone. */
export function Results(props: { view: DashboardView }) {
  const { view } = props
  return (
    <section id="results">
      <Notice message={view.notice} />
      <SummaryPlaceholder params={view.params} />
      <DailyChartPlaceholder params={view.params} />
      <div class="table-tools">
        {view.actions.length > 0 && <BulkForm filter={view.filter} actions={view.actions} />}
        <ColumnChooser view={view} />
      </div>
      {view.templateName && (
        <p class="table-caption">
          Template: <strong>{view.templateName}</strong>
        </p>
      )}
      <div class="table-scroll">
        <Table head={tableHeadings(view.rows)} class="conversations" bodyId="rows">
          <ConversationRows page={view.page} params={view.params} options={view.rows} />
        </Table>
      </div>
    </section>
  )
}

function FilterForm(props: { view: DashboardView; choices: FilterChoices }) {
  const { filter, sort } = props.view
  const { choices } = props
  const tiers = new Set(filter.tier ?? [])
  // A plain GET form (works without JS); htmx swaps the results and pushes the URL, so links
  // are shareable and the back button walks through earlier filters.
  return (
    <>
      <SearchBox action="/" value={filter.q} placeholder="Title, persona, topic or turn text" />
      <form method="post" action="/settings/preferences/default-filters" class="inline make-default">
        <input type="hidden" name="query" value={props.view.params} />
        <button type="submit" class="link-button">
          Open the dashboard with these filters
        </button>
      </form>
      <LiveForm action="/" class="filters" id="filters" target="#results" trigger="submit, change">
        <StatusChecks checked={filter.status} class="chips" />
        <fieldset class="chips">
          <legend>Tier</legend>
          {TIERS.map((tier) => (
            <label class="check">
              <input type="checkbox" name="tier" value={tier} checked={tiers.has(tier)} /> {tier}
            </label>
          ))}
        </fieldset>
        <Choice name="template_id" label="Template" value={filter.template_id} options={choices.templates.map((t) => ({ value: t.id, label: t.name }))} />
        <Choice name="batch_id" label="Batch" value={filter.batch_id} options={choices.batches.map((b) => ({ value: b.id, label: b.name }))} />
        <div class="field quality-range">
          <span class="label">Quality</span>
          <span class="range">
            <QualityBound bound="min" value={filter.quality_min} label="from" />
            –
            <QualityBound bound="max" value={filter.quality_max} label="to" />
          </span>
        </div>
        <div class="field">
          <label for="f-sort">Sort</label>
          <select id="f-sort" name="sort">
            {(Object.keys(SORT_LABELS) as Sort[]).map((s) => (
              <option value={s} selected={s === sort}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <details class="more-filters" open={moreFiltersSet(filter)}>
          <summary>More filters</summary>
          <div class="more-grid">
            <Choice name="scenario_id" label="Scenario" value={filter.scenario_id} options={choices.scenarios.map((s) => ({ value: s.id, label: s.name }))} />
            <div class="field">
              <label for="f-created-from">Created from</label>
              <input id="f-created-from" type="date" name="created_from" value={filter.created_from ?? ''} />
            </div>
            <div class="field">
              <label for="f-created-to">Created to</label>
              <input id="f-created-to" type="date" name="created_to" value={filter.created_to ?? ''} />
            </div>
            <Vocabulary name="persona" label="Persona" value={filter.persona} options={choices.personas} />
            <Vocabulary name="emotion" label="Emotion" value={filter.emotion} options={choices.emotions} />
            <Vocabulary name="topic" label="Topic" value={filter.topic} options={choices.topics} />
            <Choice name="simulated" label="Simulated" blank="Either" value={filter.simulated?.toString()} options={yesOrNo('Simulated only', 'Real only')} />
            <Choice name="document_id" label="Document" value={filter.document_id} options={choices.documents.map((d) => ({ value: d.id, label: d.title }))} />
            <div class="field">
              <label for="f-chunk">Chunk id</label>
              <input id="f-chunk" type="text" name="chunk_id" value={filter.chunk_id ?? ''} autocomplete="off" />
            </div>
            <Choice
              name="grounded"
              label="Grounded"
              blank="Either"
              value={filter.grounded?.toString()}
              options={yesOrNo('Grounded in a chunk', 'Not grounded')}
            />
            <label class="check">
              <input type="checkbox" name="orphaned" value="true" checked={filter.orphaned === true} /> Orphaned only (chunk gone)
            </label>
          </div>
          <p class="muted small">Cancelled conversations (never generated) show only when that status is ticked.</p>
        </details>
        <div class="actions">
          <button type="submit" class="primary">
            Apply
          </button>
          <a href="/">Clear</a>
        </div>
      </LiveForm>
    </>
  )
}

/** The filters under "More filters": the section opens by itself when one of them is in use. */
function moreFiltersSet(filter: ConversationFilter): boolean {
  const { scenario_id, created_from, created_to, persona, emotion, topic, simulated, document_id, chunk_id, grounded, orphaned } = filter
  return [scenario_id, created_from, created_to, persona, emotion, topic, simulated, document_id, chunk_id, grounded, orphaned].some((v) => v !== undefined)
}

/**
 * Which columns the table shows: a plain form (works without JavaScript) that saves the choice in
 * the user's preferences and opens the dashboard again with the same filters.
 */
function ColumnChooser(props: { view: DashboardView }) {
  const chosen = new Set(props.view.rows.columns)
  return (
    <details class="column-chooser">
      <summary>Columns</summary>
      <form method="post" action="/settings/preferences/dashboard-columns" class="column-form">
        <input type="hidden" name="query" value={props.view.params} />
        <fieldset>
          <legend>Show these columns (title always shown)</legend>
          {DASHBOARD_COLUMNS.map((column) => (
            <label class="check">
              <input type="checkbox" name="columns" value={column} checked={chosen.has(column)} /> {COLUMN_LABELS[column]}
            </label>
          ))}
        </fieldset>
        <button type="submit">Save columns</button>
      </form>
    </details>
  )
}

const yesOrNo = (yes: string, no: string) => [
  { value: 'true', label: yes },
  { value: 'false', label: no },
]

/** A filter select whose blank option (Any, Either) means "do not filter on this". */
function Choice(props: { name: string; label: string; value?: string; options: { value: string; label: string }[]; blank?: string }) {
  const id = `f-${props.name.replace(/_id$/, '')}`
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        <option value="">{props.blank ?? 'Any'}</option>
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  )
}

function Vocabulary(props: { name: string; label: string; value?: string; options: string[] }) {
  const id = `f-${props.name}`
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input id={id} type="text" name={props.name} value={props.value ?? ''} list={`${id}-list`} autocomplete="off" />
      <datalist id={`${id}-list`}>
        {props.options.map((o) => (
          <option value={o} />
        ))}
      </datalist>
    </div>
  )
}

/** One end of the quality range (0 to 10). */
function QualityBound(props: { bound: 'min' | 'max'; value: number | undefined; label: string }) {
  return (
    <input
      id={`f-quality-${props.bound}`}
      type="number"
      name={`quality_${props.bound}`}
      min="0"
      max="10"
      step="0.1"
      value={props.value?.toString() ?? ''}
      aria-label={`Quality ${props.label}`}
      placeholder={props.label}
    />
  )
}

import { COLUMN_LABELS, DASHBOARD_COLUMNS, type DashboardColumn, NUMERIC_COLUMNS } from '../../src/conversations/columns'
import type { ConversationPage, ConversationRow } from '../../src/conversations/list'
import { count, money, STATUS_LABELS, score, when } from '../format'
import { LoadMore } from '../Pager'
import type { Heading } from '../Table'
import { EmptyRow } from '../Table'
import { Highlighted } from './Highlighted'

/** How the rows are drawn: the same for the dashboard and for "load more". */
export type RowOptions = {
  /** The user's chosen optional columns (their preferences). */
  columns: DashboardColumn[]
  /** Bulk actions are offered: the first column holds selection boxes. */
  selectable: boolean
  /** The user's own threshold: rows scoring below it are highlighted. */
  highlightBelow: number | null
  /** Filtered by one template: its name is said once above the table, not on every row. */
  oneTemplate: boolean
}

/** The table's headings: the selection boxes, the title, then the chosen columns in the page's order. */
export function tableHeadings(options: RowOptions): Heading[] {
  return [
    { label: '', class: 'select' },
    { label: 'Title', class: 'title' },
    ...visibleColumns(options).map((column) => ({ label: COLUMN_LABELS[column], class: NUMERIC_COLUMNS.has(column) ? `num col-${column}` : `col-${column}` })),
  ]
}

/** The chosen columns in the page's own order (the template's left out when it is named above the table). */
function visibleColumns(options: RowOptions): DashboardColumn[] {
  const chosen = new Set(options.columns)
  return DASHBOARD_COLUMNS.filter((column) => chosen.has(column) && !(column === 'template' && options.oneTemplate))
}

/** Trashed rows are marked; so are rows scoring below the user's own quality threshold. */
function rowClass(row: { deleted_at: Date | null; quality_score: number | null }, below: number | null): string | undefined {
  const classes = [row.deleted_at && 'deleted', below !== null && row.quality_score !== null && row.quality_score < below && 'low-quality'].filter(Boolean)
  return classes.length ? classes.join(' ') : undefined
}

function Cell(props: { column: DashboardColumn; row: ConversationRow }) {
  const { row } = props
  switch (props.column) {
    case 'tier':
      return <td>{row.tier}</td>
    case 'status':
      return (
        <td>
          <span class={`pill status-${row.status}`}>{STATUS_LABELS[row.status]}</span>
        </td>
      )
    case 'quality':
      return <td class="num">{score(row.quality_score)}</td>
    case 'persona':
      return <td>{row.persona}</td>
    case 'emotion':
      return <td>{row.emotion}</td>
    case 'topic':
      return <td>{row.topic}</td>
    case 'template':
      return <td>{row.template_name ?? '—'}</td>
    case 'turns':
      return <td class="num">{row.turn_count}</td>
    case 'tokens':
      return <td class="num">{count(row.tokens)}</td>
    case 'cost':
      return <td class="num">{money(row.cost_usd)}</td>
    case 'created':
      return (
        <td class="when">
          <Time at={row.created_at} />
        </td>
      )
    case 'reviewed':
      return <td class="when">{row.reviewed_at ? <Time at={row.reviewed_at} /> : '—'}</td>
    case 'version':
      return <td class="num">v{row.version}</td>
  }
}

/** A time that may break onto two lines between its date and its time of day, never inside the date. */
function Time(props: { at: Date }) {
  const [date, ...rest] = when(props.at).split(' ')
  return (
    <time datetime={props.at.toISOString()}>
      <span class="date">{date}</span> {rest.join(' ')}
    </time>
  )
}

/** Persona, emotion, topic and template as one quiet line under the title, for those without a column of their own. */
function subline(row: ConversationRow, options: RowOptions): string {
  const shown = new Set(options.columns)
  const parts = [
    !shown.has('persona') && row.persona,
    !shown.has('emotion') && row.emotion,
    !shown.has('topic') && row.topic,
    !shown.has('template') && !options.oneTemplate && row.template_name,
  ]
  return parts.filter((part): part is string => Boolean(part)).join(' · ')
}

/**
 * The table's rows for one page, and the "load more" row that fetches the next page in its place.
 * The dashboard includes this component and GET /conversations/rows returns it alone, so the page
 * and the fragment cannot drift. `params` is the filter and sort as a query string.
 */
export function ConversationRows(props: { page: ConversationPage; params: string; options: RowOptions }) {
  const { page, params, options } = props
  const columns = visibleColumns(options)
  const width = columns.length + 2
  const next = page.next_cursor ? `${params ? `${params}&` : ''}cursor=${encodeURIComponent(page.next_cursor)}` : undefined
  return (
    <>
      {page.items.map((row) => {
        const line = subline(row, options)
        return (
          <tr id={`c-${row.id}`} class={rowClass(row, options.highlightBelow)}>
            <td>
              {options.selectable && <input type="checkbox" name="ids" value={row.id} form="bulk" aria-label={`Select ${row.title || 'conversation'}`} />}
            </td>
            <td class="title">
              <a href={`/conversations/${row.id}`}>{row.highlight ? <Highlighted text={row.highlight.title} /> : row.title || 'Untitled'}</a>
              {row.simulated && <small class="pill">simulated</small>}
              {line && <div class="subline muted">{line}</div>}
              {row.highlight?.snippet && (
                <div class="snippet muted">
                  <Highlighted text={row.highlight.snippet} />
                </div>
              )}
            </td>
            {columns.map((column) => (
              <Cell column={column} row={row} />
            ))}
          </tr>
        )
      })}
      {page.items.length === 0 && !next && <EmptyRow columns={width}>No conversations match.</EmptyRow>}
      {next && (
        <LoadMore href={`/?${next}`} get={`/conversations/rows?${next}`} columns={width}>
          Load {page.limit} more
        </LoadMore>
      )}
    </>
  )
}

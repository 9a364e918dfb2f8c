import type { ConversationPage } from '../../src/conversations/list'
import { count, money, STATUS_LABELS, score, when } from '../format'
import { LoadMore } from '../Pager'
import { EmptyRow } from '../Table'
import { Highlighted } from './Highlighted'

/** The dashboard table's headings (the first column holds the bulk-selection boxes). */
export const COLUMNS = [
  '',
  'Title',
  'Tier',
  'Status',
  'Quality',
  'Persona',
  'Emotion',
  'Topic',
  'Template',
  'Turns',
  'Tokens',
  'Cost',
  'Created',
  'Reviewed',
  'Version',
]
export const TABLE_COLUMNS = COLUMNS.length

/**
 * The table's rows for one page, and the "load more" row that fetches the next page in its place.
 * The dashboard includes this component and GET /conversations/rows returns it alone, so the page
 * and the fragment cannot drift. `params` is the filter and sort as a query string.
 */
/** Trashed rows are marked; so are rows scoring below the user's own quality threshold. */
function rowClass(row: { deleted_at: Date | null; quality_score: number | null }, below: number | null): string | undefined {
  const classes = [row.deleted_at && 'deleted', below !== null && row.quality_score !== null && row.quality_score < below && 'low-quality'].filter(Boolean)
  return classes.length ? classes.join(' ') : undefined
}

export function ConversationRows(props: { page: ConversationPage; params: string; selectable: boolean; highlightBelow: number | null }) {
  const { page, params } = props
  const next = page.next_cursor ? `${params ? `${params}&` : ''}cursor=${encodeURIComponent(page.next_cursor)}` : undefined
  return (
    <>
      {page.items.map((row) => (
        <tr id={`c-${row.id}`} class={rowClass(row, props.highlightBelow)}>
          <td>{props.selectable && <input type="checkbox" name="ids" value={row.id} form="bulk" aria-label={`Select ${row.title || 'conversation'}`} />}</td>
          <td>
            <a href={`/conversations/${row.id}`}>{row.highlight ? <Highlighted text={row.highlight.title} /> : row.title || 'Untitled'}</a>
            {row.highlight?.snippet && (
              <div class="snippet muted">
                <Highlighted text={row.highlight.snippet} />
              </div>
            )}
            {row.simulated && <small class="pill">simulated</small>}
          </td>
          <td>{row.tier}</td>
          <td>
            <span class={`pill status-${row.status}`}>{STATUS_LABELS[row.status]}</span>
          </td>
          <td class="num">{score(row.quality_score)}</td>
          <td>{row.persona}</td>
          <td>{row.emotion}</td>
          <td>{row.topic}</td>
          <td>{row.template_name ?? '—'}</td>
          <td class="num">{row.turn_count}</td>
          <td class="num">{count(row.tokens)}</td>
          <td class="num">{money(row.cost_usd)}</td>
          <td>
            <time datetime={row.created_at.toISOString()}>{when(row.created_at)}</time>
          </td>
          <td>{row.reviewed_at ? <time datetime={row.reviewed_at.toISOString()}>{when(row.reviewed_at)}</time> : '—'}</td>
          <td class="num">v{row.version}</td>
        </tr>
      ))}
      {page.items.length === 0 && !next && <EmptyRow columns={TABLE_COLUMNS}>No conversations match.</EmptyRow>}
      {next && (
        <LoadMore href={`/?${next}`} get={`/conversations/rows?${next}`} columns={TABLE_COLUMNS}>
          Load {page.limit} more
        </LoadMore>
      )}
    </>
  )
}

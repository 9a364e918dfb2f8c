import type { DocumentRow } from '../../src/documents/queries'
import { formatBytes } from '../exports/describe'
import { when } from '../format'
import { DocumentStatusPill } from './DocumentStatus'

/** The list's rows and its "more" link: the page includes them, search swaps them (htmx). */
export function DocumentRows(props: { items: DocumentRow[]; next: string | null; q?: string }) {
  const more = props.next ? `/documents?${new URLSearchParams({ ...(props.q ? { q: props.q } : {}), cursor: props.next })}` : undefined
  return (
    <div id="document-rows">
      <table class="table">
        <thead>
          <tr>
            <th>Title</th>
            <th>Format</th>
            <th class="num">Size</th>
            <th class="num">Chunks</th>
            <th>Status</th>
            <th>Uploaded</th>
          </tr>
        </thead>
        <tbody>
          {props.items.length === 0 && (
            <tr>
              <td colspan={6} class="muted">
                {props.q ? 'No document matches this search.' : 'No documents yet.'}
              </td>
            </tr>
          )}
          {props.items.map((row) => (
            <tr>
              <td>
                <a href={`/documents/${row.id}`}>{row.title}</a>
                {row.filename && row.filename !== row.title && <div class="muted">{row.filename}</div>}
              </td>
              <td>{row.format}</td>
              <td class="num">{formatBytes(row.bytes)}</td>
              <td class="num">{row.status === 'ready' ? row.chunk_count.toLocaleString('en') : '—'}</td>
              <td>
                <DocumentStatusPill status={row.status} />
              </td>
              <td>
                {when(row.created_at)}
                <div class="muted">{row.created_by_email ?? 'a removed user'}</div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more && (
        <p class="load-more">
          <a href={more}>Older documents →</a>
        </p>
      )}
    </div>
  )
}

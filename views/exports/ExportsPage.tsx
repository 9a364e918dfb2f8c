import type { PageContext } from '../../src/http/page-context'
import type { ExportListItem } from '../../src/exports/queries'
import { Layout } from '../Layout'
import { when } from '../format'
import { ExportActions } from './ExportActions'
import { describeScope, formatBytes } from './describe'
import { StatusPill } from './ExportStatus'
import { Notice } from '../Notice'
import { Table } from '../Table'
import { Pager } from '../Pager'

/** The history: every export with who, when, scope, format, count, size, status, download and expiry. */
export function ExportsPage(props: { ctx: PageContext; items: ExportListItem[]; next?: string; notice?: string }) {
  return (
    <Layout ctx={props.ctx} title="Exports">
      <h1>Exports</h1>
      <Notice message={props.notice} />
      <p>
        <a href="/exports/new" class="button primary">
          New export
        </a>
      </p>
      <Table head={['When', 'Who', 'Format', 'Scope', 'Conversations', 'Size', 'Status', 'Expires', '']} empty={props.items.length === 0 && 'No exports yet.'}>
          {props.items.map((row) => (
            <tr>
              <td>
                <a href={`/exports/${row.id}`}>{when(row.created_at)}</a>
              </td>
              <td>{row.created_by_email ?? '—'}</td>
              <td>{row.format}</td>
              <td>{describeScope(row.scope)}</td>
              <td>{row.count}</td>
              <td>{row.bytes ? formatBytes(row.bytes) : '—'}</td>
              <td>
                <StatusPill row={row} />
              </td>
              <td>{row.status === 'done' && !row.deleted_at ? when(row.expires_at) : '—'}</td>
              <td>
                <ExportActions row={row} rerunLabel="Run again" download />
              </td>
            </tr>
          ))}
      </Table>
      {props.next && <Pager href={`/exports?before=${encodeURIComponent(props.next)}`}>Older exports →</Pager>}
    </Layout>
  )
}

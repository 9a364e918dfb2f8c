import type { ExportListItem } from '../../src/exports/queries'
import type { PageContext } from '../../src/http/page-context'
import { when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Pager } from '../Pager'
import { Table } from '../Table'
import { describeScope, formatBytes } from './describe'
import { ExportActions } from './ExportActions'
import { StatusPill } from './ExportStatus'

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

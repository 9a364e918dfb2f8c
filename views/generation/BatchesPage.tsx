import type { BatchListItem } from '../../src/generation/batches/state'
import { type PageContext, userCan } from '../../src/http/page-context'
import { BATCH_STATUS_LABELS, count, when } from '../format'
import { Layout } from '../Layout'
import { Pager } from '../Pager'
import { Table } from '../Table'
import { dollars } from './format'

export function BatchesPage(props: { ctx: PageContext; items: BatchListItem[]; nextCursor: string | null }) {
  return (
    <Layout ctx={props.ctx} title="Batches">
      <h1>Batches</h1>
      {userCan(props.ctx, 'edit') && (
        <p>
          <a href="/generate">New batch or single conversation</a>
        </p>
      )}
      <Table head={['Name', 'Template', 'Status', 'Progress', 'Cost', 'Started']} empty={props.items.length === 0 && 'No batches yet.'}>
        {props.items.map((b) => (
          <tr>
            <td>
              <a href={`/batches/${b.id}`}>{b.name}</a>
            </td>
            <td>{b.template_name}</td>
            <td>
              <span class={`pill batch-${b.status}`}>{BATCH_STATUS_LABELS[b.status]}</span>
            </td>
            <td>
              {count(b.finished)} / {count(b.total)}
            </td>
            <td>{dollars(b.cost_usd)}</td>
            <td>{when(b.created_at)}</td>
          </tr>
        ))}
      </Table>
      {props.nextCursor && <Pager href={`/batches?cursor=${encodeURIComponent(props.nextCursor)}`}>Older batches</Pager>}
    </Layout>
  )
}

import type { PageContext } from '../../src/http/page-context'
import type { BatchListItem } from '../../src/generation/batches/state'
import { Layout } from '../Layout'
import { count, when } from '../format'
import { dollars } from './format'
import { Table } from '../Table'
import { Pager } from '../Pager'

export function BatchesPage(props: { ctx: PageContext; items: BatchListItem[]; nextCursor: string | null }) {
  return (
    <Layout ctx={props.ctx} title="Batches">
      <h1>Batches</h1>
      <p>
        <a href="/generate">New batch or single conversation</a>
      </p>
      <Table head={['Name', 'Template', 'Status', 'Progress', 'Cost', 'Started']} empty={props.items.length === 0 && 'No batches yet.'}>
          {props.items.map((b) => (
            <tr>
              <td>
                <a href={`/batches/${b.id}`}>{b.name}</a>
              </td>
              <td>{b.template_name}</td>
              <td>
                <span class="pill">{b.status}</span>
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

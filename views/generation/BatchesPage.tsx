import type { PageContext } from '../../src/http/page-context'
import type { BatchListItem } from '../../src/generation/batches/state'
import { Layout } from '../Layout'
import { count, when } from '../format'
import { dollars } from './format'

export function BatchesPage(props: { ctx: PageContext; items: BatchListItem[]; nextCursor: string | null }) {
  return (
    <Layout ctx={props.ctx} title="Batches">
      <h1>Batches</h1>
      <p>
        <a href="/generate">New batch or single conversation</a>
      </p>
      <table class="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Template</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Cost</th>
            <th>Started</th>
          </tr>
        </thead>
        <tbody>
          {props.items.length === 0 && (
            <tr>
              <td colspan={6} class="muted">
                No batches yet.
              </td>
            </tr>
          )}
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
        </tbody>
      </table>
      {props.nextCursor && (
        <p>
          <a href={`/batches?cursor=${encodeURIComponent(props.nextCursor)}`}>Older batches</a>
        </p>
      )}
    </Layout>
  )
}

import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'
import { STATUS_LABELS, when } from './format'

export type TrashRow = { id: string; title: string; status: string; tier: string; deleted_at: Date | null }

/** Deleted conversations an admin can still restore (30 days), newest deletions first. */
export function TrashPage(props: { ctx: PageContext; items: TrashRow[]; next?: string; notice?: string; days: number }) {
  return (
    <Layout ctx={props.ctx} title="Trash">
      <h1>Trash</h1>
      <p class="muted">Deleted conversations stay here for {props.days} days; restore one to bring it back everywhere.</p>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <table class="table">
        <thead>
          <tr>
            <th>Title</th>
            <th>Tier</th>
            <th>Status</th>
            <th>Deleted</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {props.items.length === 0 && (
            <tr>
              <td colspan={5} class="muted">
                The trash is empty.
              </td>
            </tr>
          )}
          {props.items.map((row) => (
            <tr id={`c-${row.id}`}>
              <td>{row.title || 'Untitled'}</td>
              <td>{row.tier}</td>
              <td>{STATUS_LABELS[row.status] ?? row.status}</td>
              <td>{when(row.deleted_at)}</td>
              <td>
                <form method="post" action={`/conversations/${row.id}/restore`} class="inline">
                  <button type="submit">Restore</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.next && (
        <p>
          <a href={`/conversations/trash?${props.next}`}>Older deletions</a>
        </p>
      )}
    </Layout>
  )
}

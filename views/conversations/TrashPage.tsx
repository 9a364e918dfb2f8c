import type { ConversationStatus } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import { STATUS_LABELS, when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Pager } from '../Pager'
import { Table } from '../Table'

export type TrashRow = { id: string; title: string; status: ConversationStatus; tier: string; deleted_at: Date | null }

const DAY_MS = 86_400_000

/** Deleted conversations an admin can still restore (30 days, then they are deleted for good), newest deletions first. */
export function TrashPage(props: { ctx: PageContext; items: TrashRow[]; next?: string; notice?: string; days: number }) {
  return (
    <Layout ctx={props.ctx} title="Trash">
      <h1>Trash</h1>
      <p class="muted">
        Deleted conversations stay here for {props.days} days; restore one to bring it back everywhere. After that they are deleted for good, with their
        versions and review history (a clean-up runs every hour).
      </p>
      <Notice message={props.notice} />
      <Table head={['Title', 'Tier', 'Status', 'Deleted', 'Deleted for good', '']} empty={props.items.length === 0 && 'The trash is empty.'}>
        {props.items.map((row) => (
          <tr id={`c-${row.id}`}>
            <td>{row.title || 'Untitled'}</td>
            <td>{row.tier}</td>
            <td>{STATUS_LABELS[row.status]}</td>
            <td>{when(row.deleted_at)}</td>
            <td>{row.deleted_at ? <PurgeDate at={new Date(row.deleted_at.getTime() + props.days * DAY_MS)} /> : '—'}</td>
            <td>
              <form method="post" action={`/conversations/${row.id}/restore`} class="inline">
                <button type="submit">Restore</button>
              </form>
            </td>
          </tr>
        ))}
      </Table>
      {props.next && <Pager href={`/conversations/trash?${props.next}`}>Older deletions</Pager>}
    </Layout>
  )
}

function PurgeDate(props: { at: Date }) {
  return (
    <time class="purge" datetime={props.at.toISOString()}>
      {when(props.at)}
    </time>
  )
}

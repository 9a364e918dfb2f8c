import type { BackupItem } from '../../src/backups/queries'
import type { PageContext } from '../../src/http/page-context'
import { when } from '../format'
import { Layout } from '../Layout'
import { Pager } from '../Pager'
import { RecoveryNav } from '../recovery/RecoveryNav'
import { Table } from '../Table'
import { REASON_LABELS } from './labels'

/** Every backup that can still be restored: what, who, when, how many, until when, and a restore button. */
export function BackupsPage(props: { ctx: PageContext; items: BackupItem[]; next?: string }) {
  return (
    <Layout ctx={props.ctx} title="Backups">
      <h1>Backups</h1>
      <RecoveryNav ctx={props.ctx} />
      <p class="muted">
        The rows a bulk delete or reject, an emptied trash, a deleted template, a rollback or a restore changed, saved just before. Restoring puts back the rows
        nobody changed since; the others are listed, never overwritten.
      </p>
      <Table head={['When', 'What', 'Who', { label: 'Rows', class: 'num' }, 'Expires', '']} empty={props.items.length === 0 && 'No backups to restore.'}>
        {props.items.map((row) => (
          <tr>
            <td>
              <a href={`/backups/${row.id}`}>{when(row.created_at)}</a>
            </td>
            <td>
              <strong>{REASON_LABELS[row.reason]}</strong>: {row.description}
            </td>
            <td>{row.created_by_email ?? (row.created_by ? '—' : 'System')}</td>
            <td class="num">{row.count}</td>
            <td>{when(row.expires_at)}</td>
            <td>
              {row.restored_at ? (
                <a href={`/backups/${row.id}`}>Restored {when(row.restored_at)}</a>
              ) : (
                <form method="post" action={`/backups/${row.id}/restore`}>
                  <button type="submit">Restore…</button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </Table>
      {props.next && <Pager href={`/backups?cursor=${encodeURIComponent(props.next)}`}>Older backups →</Pager>}
    </Layout>
  )
}

import type { ConversationPage } from '../../src/conversations/list'
import type { PageContext } from '../../src/http/page-context'
import { STATUS_LABELS, when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Pager } from '../Pager'
import { Table } from '../Table'
import { RelinkForm } from './RelinkForm'

/** Conversations whose chunk was deleted or re-chunked away: where they came from, and a way to re-link. */
export function OrphansPage(props: { ctx: PageContext; page: ConversationPage; notice?: string; canLink: boolean }) {
  const { page } = props
  return (
    <Layout ctx={props.ctx} title="Orphaned conversations">
      <p>
        <a href="/">← Conversations</a>
      </p>
      <h1>Orphaned conversations</h1>
      <p class="muted">
        Grounded in a chunk that was deleted or re-chunked away. Each keeps the text it was generated from; link it to a chunk again to restore its source.
      </p>
      <Notice message={props.notice} />
      {page.items.length === 0 ? (
        <p class="muted">No orphaned conversations.</p>
      ) : (
        <Table head={['Conversation', 'Status', 'Was grounded in', 'Created', props.canLink && 'Re-link']} class="orphans">
          {page.items.map((row) => (
            <tr id={`c-${row.id}`}>
              <td>
                <a href={`/conversations/${row.id}`}>{row.title || 'Untitled'}</a>
              </td>
              <td>
                <span class={`pill status-${row.status}`}>{STATUS_LABELS[row.status]}</span>
              </td>
              <td>
                {row.chunk_source ? (
                  <>
                    <a href={`/documents/${row.chunk_source.document_id}`}>{row.chunk_source.document_title}</a>
                    {row.chunk_source.heading_path.length > 0 && <span class="muted"> › {row.chunk_source.heading_path.join(' › ')}</span>}
                  </>
                ) : (
                  '—'
                )}
              </td>
              <td>{when(row.created_at)}</td>
              {props.canLink && (
                <td>
                  <RelinkForm conversationId={row.id} documentId={row.chunk_source?.document_id} back="orphans" />
                </td>
              )}
            </tr>
          ))}
        </Table>
      )}
      {page.next_cursor && <Pager href={`/conversations/orphaned?cursor=${encodeURIComponent(page.next_cursor)}`}>Next page →</Pager>}
    </Layout>
  )
}

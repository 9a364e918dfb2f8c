import type { ConversationVersion } from '../../src/generation/conversations'
import { when } from './format'
import { Table } from '../Table'

/**
 * Every content version of a conversation, with compare and roll-back, newest first. A roll-back
 * sends the conversation's row version (`conversationVersion`) so a stale page gets a 409.
 */
export function VersionsList(props: { conversationId: string; versions: ConversationVersion[]; conversationVersion: number; canEdit: boolean }) {
  const { versions, conversationId } = props
  if (versions.length === 0) return <p class="muted">No versions yet.</p>
  return (
    <section id="versions">
      <h2>Versions</h2>
      <form method="get" action={`/conversations/${conversationId}/compare`}>
        {props.canEdit && <input type="hidden" name="conversation_version" value={String(props.conversationVersion)} />}
        <Table head={['A', 'B', 'Version', 'Source', 'Model', 'Quality', 'When', '']}>
            {versions.map((v, i) => (
              <tr>
                <td>
                  <input type="radio" name="a" value={String(v.version)} checked={i === 1} aria-label={`Compare version ${v.version} as A`} />
                </td>
                <td>
                  <input type="radio" name="b" value={String(v.version)} checked={i === 0} aria-label={`Compare version ${v.version} as B`} />
                </td>
                <td>
                  {v.version} {i === 0 && <small class="muted">(current)</small>}
                </td>
                <td>{v.source}</td>
                <td>{v.model}</td>
                <td>{v.quality_score === null ? '—' : Number(v.quality_score).toFixed(1)}</td>
                <td>{when(v.created_at)}</td>
                <td>
                  {props.canEdit && i > 0 && (
                    <button type="submit" formmethod="post" formaction={`/conversations/${conversationId}/rollback?version=${v.version}`}>
                      Roll back to this
                    </button>
                  )}
                </td>
              </tr>
            ))}
        </Table>
        {versions.length > 1 && <button type="submit">Compare A and B</button>}
      </form>
    </section>
  )
}

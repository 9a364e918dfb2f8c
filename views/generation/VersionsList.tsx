import type { VersionEntry } from '../../src/conversations/detail'
import { score, when } from '../format'
import { Table } from '../Table'

/**
 * Every content version of a conversation, newest first, with compare and (for editors) roll-back;
 * the conversation page and its generation page both show it. A roll-back sends the conversation's
 * row version (`conversationVersion`) so a stale page gets a 409.
 */
export function VersionsList(props: { conversationId: string; versions: VersionEntry[]; conversationVersion: number; canEdit: boolean }) {
  const { versions, conversationId } = props
  return (
    <section id="versions" aria-label="Versions">
      <h2>Versions</h2>
      {versions.length === 0 ? (
        <p class="muted">Only the version generated; no edits yet.</p>
      ) : (
        <form method="get" action={`/conversations/${conversationId}/compare`}>
          {props.canEdit && <input type="hidden" name="conversation_version" value={String(props.conversationVersion)} />}
          <Table head={['A', 'B', 'Version', 'Source', 'Turns', 'Model', 'Quality', 'When', 'Who', '']}>
            {versions.map((v, i) => (
              <tr>
                <td>
                  <input type="radio" name="a" value={String(v.version)} checked={i === 1} aria-label={`Compare version ${v.version} as A`} />
                </td>
                <td>
                  <input type="radio" name="b" value={String(v.version)} checked={i === 0} aria-label={`Compare version ${v.version} as B`} />
                </td>
                <td>
                  v{v.version} {i === 0 && <small class="muted">(current)</small>}
                </td>
                <td>{v.source}</td>
                <td>{v.turns.length}</td>
                <td>{v.model}</td>
                <td>{score(v.quality_score === null ? null : Number(v.quality_score))}</td>
                <td>{when(v.created_at)}</td>
                <td>{v.author_email ?? '—'}</td>
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
      )}
    </section>
  )
}

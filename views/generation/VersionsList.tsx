import type { VersionEntry } from '../../src/conversations/detail'
import { when } from '../format'

/**
 * Every content version of a conversation, with compare and roll-back, newest first. A roll-back
 * sends the conversation's row version (`conversationVersion`) so a stale page gets a 409.
 */
export function VersionsList(props: { conversationId: string; versions: VersionEntry[]; conversationVersion: number; canEdit: boolean }) {
  const { versions, conversationId } = props
  if (versions.length === 0) return <p class="muted">No versions yet.</p>
  return (
    <section id="versions">
      <h2>Versions</h2>
      <form method="get" action={`/conversations/${conversationId}/compare`}>
        {props.canEdit && <input type="hidden" name="conversation_version" value={String(props.conversationVersion)} />}
        <table class="table">
          <thead>
            <tr>
              <th>A</th>
              <th>B</th>
              <th>Version</th>
              <th>Source</th>
              <th>Model</th>
              <th>Quality</th>
              <th>When</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
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
          </tbody>
        </table>
        {versions.length > 1 && <button type="submit">Compare A and B</button>}
      </form>
    </section>
  )
}

import type { ConversationDetail } from '../../src/conversations/detail'
import { count, STATUS_LABELS } from '../format'
import { dollars } from './format'

/**
 * A conversation's generation state: while it is queued or generating this fragment polls itself
 * (htmx) and the page refreshes without JavaScript; once done it shows the error or the numbers.
 */
export function GenerationStatus(props: { conversation: ConversationDetail; canEdit: boolean }) {
  const c = props.conversation
  const running = c.status === 'queued' || c.status === 'generating'
  return (
    <section
      id="generation-status"
      class="card"
      data-status={c.status}
      hx-get={running ? `/conversations/${c.id}/status` : undefined}
      hx-trigger={running ? 'load delay:1s' : undefined}
      hx-swap={running ? 'outerHTML' : undefined}
    >
      <p>
        Status: <span class={`pill ${c.status === 'failed' ? 'bad' : running || c.status === 'cancelled' ? '' : 'good'}`}>{STATUS_LABELS[c.status]}</span>{' '}
        {c.simulated && <span class="pill">simulated</span>} {c.flagged && <span class="pill bad">flagged: low quality</span>}
      </p>
      {running && <p class="muted">Generating… this updates by itself.</p>}
      {c.status === 'failed' && (
        <div class="form-error" role="alert">
          <p>
            Generation failed (<code>{c.error_code}</code>) after {c.attempts} attempt(s): {c.error_message}
            {typeof c.error_details?.reference === 'string' && (
              <>
                {' '}
                Reference <a href={`/errors/${c.error_details.reference}`}>{c.error_details.reference}</a>
              </>
            )}
          </p>
          {props.canEdit && (
            <form method="post" action={`/conversations/${c.id}/retry`} class="inline">
              <button type="submit">Retry</button>
            </form>
          )}
        </div>
      )}
      {c.status === 'cancelled' && (
        <p class="muted">Its batch was cancelled before this conversation was generated: nothing was lost and there is nothing to retry.</p>
      )}
      {running && c.error_message && <p class="muted">Last problem: {c.error_message}</p>}
      {!running && c.status !== 'failed' && c.status !== 'cancelled' && (
        <table class="table">
          <tbody>
            <tr>
              <th>Model</th>
              <td>{c.model}</td>
              <th>Tokens</th>
              <td>
                {count(c.input_tokens)} in, {count(c.output_tokens)} out, cache {count(c.cache_read_tokens)} read / {count(c.cache_write_tokens)} written
              </td>
            </tr>
            <tr>
              <th>Cost</th>
              <td>{dollars(Number(c.cost_usd))}</td>
              <th>Time</th>
              <td>
                {c.generation_ms === null ? '—' : `${(c.generation_ms / 1000).toFixed(1)} s`}, {c.attempts} attempt(s)
              </td>
            </tr>
            {c.trimmed_from_turns !== null && (
              <tr data-trimmed-from={c.trimmed_from_turns}>
                <th>Trimmed</th>
                <td colspan={3}>
                  Claude wrote {c.trimmed_from_turns} turns, more than the template allows; the first {c.turn_count} (ending with the assistant) were kept.
                </td>
              </tr>
            )}
            <tr>
              <th>Quality</th>
              <td colspan={3}>
                <strong>{c.quality_score === null ? '—' : Number(c.quality_score).toFixed(1)}</strong> / 10{' '}
                {c.quality_parts &&
                  Object.entries(c.quality_parts).map(([part, value]) => (
                    <span class="pill">
                      {part.replace('_', ' ')} {value.toFixed(1)}
                    </span>
                  ))}
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </section>
  )
}

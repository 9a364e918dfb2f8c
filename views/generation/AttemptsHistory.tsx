import type { GenerationAttempt } from '../../src/generation/attempts'
import { errorWords, when } from '../format'
import { Table } from '../Table'

const OUTCOME_LABELS: Record<GenerationAttempt['outcome'], string> = {
  generated: 'Generated',
  retrying: 'Tried again later',
  failed: 'Failed',
}

/** The reference an attempt's error was logged under, if it was. */
function referenceOf(details: GenerationAttempt['details']): string | undefined {
  const reference = details?.reference
  return typeof reference === 'string' ? reference : undefined
}

/** Every attempt at generating the conversation: when, what went wrong (in words) and how it ended; and how often it was retried. */
export function AttemptsHistory(props: { attempts: GenerationAttempt[]; retryCount: number }) {
  return (
    <section id="attempts" aria-label="Generation attempts">
      <h2>Attempts</h2>
      <p class="muted">
        {props.attempts.length} attempt(s); sent back to the queue {props.retryCount} time(s) after an error.
      </p>
      <Table wrap head={['#', 'When', 'Outcome', 'What went wrong']} empty={props.attempts.length === 0 && 'No attempt has finished yet.'}>
        {props.attempts.map((a) => {
          const reference = referenceOf(a.details)
          return (
            <tr data-outcome={a.outcome}>
              <td>{a.attempt}</td>
              <td>{when(a.started_at ?? a.finished_at)}</td>
              <td>
                <span class={`pill ${a.outcome === 'failed' ? 'bad' : a.outcome === 'generated' ? 'good' : ''}`}>{OUTCOME_LABELS[a.outcome]}</span>
              </td>
              <td class="error-message">
                {a.code ? (
                  <>
                    {errorWords(a.code)} <code>{a.code}</code> {a.message}
                    {reference && (
                      <>
                        {' '}
                        Reference <a href={`/errors/${reference}`}>{reference}</a>
                      </>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          )
        })}
      </Table>
    </section>
  )
}

import type { BatchState } from '../../src/generation/batches/state'
import { BATCH_STATUS_LABELS, count, percent } from '../format'
import { dollars, duration } from './format'

/**
 * A batch's live state: counts, spend against the estimate, throughput, ETA, the latest results
 * and the controls that fit its status. The page includes it; the SSE stream pushes it again on
 * every change, swapped by id (public/batch-progress.js).
 */
export function BatchProgress(props: { batch: BatchState; canEdit: boolean; canReview: boolean; now?: Date }) {
  const { batch } = props
  const { queued, generating, done, failed, cancelled } = batch.counts
  // Cancelled conversations were never generated: they count towards neither throughput nor failure.
  const finished = done + failed
  const end = batch.finished_at ?? props.now ?? new Date()
  const elapsed = Math.max(0.001, (end.getTime() - batch.created_at.getTime()) / 1000)
  const throughput = finished / elapsed
  const remaining = queued + generating
  const eta = throughput > 0 ? remaining / throughput : Number.POSITIVE_INFINITY
  const over = batch.status === 'done' || batch.status === 'cancelled'
  const settled = finished + cancelled
  const share = batch.total > 0 ? settled / batch.total : 1
  const reviewable = props.canReview && batch.status === 'done' && done > 0
  return (
    <section id="batch-progress" class="card" data-status={batch.status} data-finished={over ? 'true' : 'false'} aria-live="polite">
      <p>
        Status: <span class={`pill batch-${batch.status}`}>{BATCH_STATUS_LABELS[batch.status]}</span> {batch.simulated && <span class="pill">simulated</span>}{' '}
        {batch.uses_message_batches && (
          <span class="pill" title={batch.message_batch_id ?? 'not submitted yet'}>
            Message Batches API{batch.message_batch_id ? '' : ': submitting'}
          </span>
        )}
      </p>
      <div class="progress-line">
        <progress max={batch.total} value={settled} aria-label="Batch progress">
          {percent(share)}
        </progress>
        <span>
          {count(settled)} of {count(batch.total)} ({percent(share)})
        </span>
      </div>
      <table class="table batch-counts">
        <tbody>
          <tr>
            <th>Queued</th>
            <td data-count="queued">{count(queued)}</td>
            <th>Generating</th>
            <td data-count="generating">{count(generating)}</td>
            <th>Done</th>
            <td data-count="done">{count(done)}</td>
            <th>Failed</th>
            <td data-count="failed">{count(failed)}</td>
            <th>Cancelled</th>
            <td data-count="cancelled">{count(cancelled)}</td>
          </tr>
          <tr>
            <th>Tokens</th>
            <td colspan={4}>
              {count(batch.input_tokens)} in / {count(batch.output_tokens)} out
              {batch.estimate.input_tokens !== undefined && (
                <span class="muted">
                  {' '}
                  (estimate {count(batch.estimate.input_tokens)} / {count(batch.estimate.output_tokens ?? 0)})
                </span>
              )}
            </td>
            <th>Cost</th>
            <td colspan={4} data-cost>
              {dollars(batch.cost_usd)}
              {batch.estimate.cost_usd !== undefined && <span class="muted"> of {dollars(batch.estimate.cost_usd)} estimated</span>}
            </td>
          </tr>
          <tr>
            <th>Throughput</th>
            <td colspan={4}>{(throughput * 60).toFixed(1)} / min</td>
            <th>ETA</th>
            <td colspan={4} data-eta>
              {batch.status === 'paused' ? 'paused' : over || remaining === 0 ? '—' : duration(eta)}
            </td>
          </tr>
        </tbody>
      </table>
      {cancelled > 0 && (
        <p class="muted" data-cancelled>
          {count(cancelled)} {cancelled === 1 ? 'conversation was' : 'conversations were'} not generated because the batch was cancelled.{' '}
          <a href={`/?batch_id=${batch.id}&status=cancelled`}>Show them</a>
        </p>
      )}
      {batch.grounded > 0 && (
        <p class="muted" data-grounded>
          {count(batch.grounded)} {batch.grounded === 1 ? 'conversation is' : 'conversations are'} grounded in source chunks; their quality includes how well
          they stay within the source.
        </p>
      )}
      {(props.canEdit || reviewable) && (
        <div class="controls">
          {reviewable && (
            <a class="button primary" href={`/review?batch_id=${batch.id}`}>
              Review these
            </a>
          )}
          {props.canEdit && <BatchControls batch={batch} />}
        </div>
      )}
      <h2>Latest results</h2>
      {batch.latest.length === 0 ? (
        <p class="muted">Nothing finished yet.</p>
      ) : (
        <ul class="latest">
          {batch.latest.map((item) => (
            <li>
              <a href={`/conversations/${item.id}`}>{item.title || '(untitled)'}</a>{' '}
              {item.status === 'failed' ? (
                <span class="pill bad">{item.error_code ? `failed: ${item.error_code}` : 'failed'}</span>
              ) : (
                <span class={`pill ${item.flagged ? 'bad' : 'good'}`}>quality {item.quality_score?.toFixed(1) ?? '—'}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

function BatchControls(props: { batch: BatchState }) {
  const { batch } = props
  // Actions that need no confirmation answer htmx with a toast; the others open their confirmation page.
  const action = (name: string, label: string, asks = false) => (
    <form method="post" action={`/batches/${batch.id}/${name}`} hx-post={asks ? undefined : `/batches/${batch.id}/${name}`} class="inline">
      <button type="submit">{label}</button>
    </form>
  )
  // Inside a div, not a p: a <form> start tag closes an open <p>, which put each button on its own line.
  return (
    <>
      {batch.status === 'running' && !batch.uses_message_batches && action('pause', 'Pause')}
      {batch.status === 'paused' && action('resume', 'Resume')}
      {(batch.status === 'running' || batch.status === 'paused') && action('cancel', 'Cancel…', true)}
      {batch.counts.failed > 0 && action('retry', `Retry ${batch.counts.failed} failed`)}
      {batch.counts.cancelled > 0 && action('clear-cancelled', `Clear ${batch.counts.cancelled} cancelled`)}
      {batch.grounded > 0 && batch.counts.done > 0 && action('judge-grounding', 'Judge grounding with Claude…', true)}
    </>
  )
}

import type { BatchState } from '../../src/generation/batches/state'
import type { PageContext } from '../../src/http/page-context'
import { ConfirmPage } from '../ConfirmPage'
import { count } from '../format'

/** The step before cancelling: what stops and what stays. */
export function CancelBatchPage(props: { ctx: PageContext; batch: BatchState }) {
  const { batch } = props
  const unfinished = batch.counts.queued + batch.counts.generating
  const back = `/batches/${batch.id}`
  return (
    <ConfirmPage ctx={props.ctx} title={`Cancel “${batch.name}”?`} action={`${back}/cancel`} confirm="Cancel the batch" back={back} backLabel="Keep it">
      <p>
        {count(unfinished)} {unfinished === 1 ? 'conversation' : 'conversations'} not generated yet will be cancelled
        {batch.counts.generating > 0 && ' (answers to calls in flight are discarded)'}. The {count(batch.counts.done)} already generated stay. A cancelled batch
        cannot be resumed.
      </p>
    </ConfirmPage>
  )
}

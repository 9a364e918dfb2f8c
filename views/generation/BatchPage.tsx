import type { BatchState } from '../../src/generation/batches/state'
import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'
import { BatchProgress } from './BatchProgress'

export function BatchPage(props: { ctx: PageContext; batch: BatchState; canEdit: boolean; canReview: boolean }) {
  const { batch } = props
  return (
    <Layout ctx={props.ctx} title={batch.name}>
      <p>
        <a href="/batches">All batches</a>
      </p>
      <h1>{batch.name}</h1>
      <p class="muted">
        {batch.total} conversations from template <a href={`/templates/${batch.template_id}`}>{batch.template_name}</a>
      </p>
      <div data-sse-src={`/batches/${batch.id}/events`} data-sse-target="batch-progress">
        <BatchProgress batch={batch} canEdit={props.canEdit} canReview={props.canReview} />
      </div>
      <script src="/static/batch-progress.js" defer></script>
    </Layout>
  )
}

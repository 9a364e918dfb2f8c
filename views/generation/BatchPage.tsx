import type { BatchState } from '../../src/generation/batches/state'
import type { Throughput } from '../../src/generation/batches/throughput'
import type { PageContext } from '../../src/http/page-context'
import { ChartScripts } from '../Chart'
import { Layout } from '../Layout'
import { BatchProgress } from './BatchProgress'
import { ThroughputChart } from './ThroughputChart'

export function BatchPage(props: { ctx: PageContext; batch: BatchState; canEdit: boolean; canReview: boolean; throughput: Throughput }) {
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
      <ThroughputChart batch={batch} throughput={props.throughput} />
      <ChartScripts />
      <script src="/static/batch-progress.js" defer></script>
    </Layout>
  )
}

import type { BatchState } from '../../src/generation/batches/state'
import type { Throughput } from '../../src/generation/batches/throughput'
import { Chart } from '../Chart'
import { timeOfDay, when } from '../format'

/**
 * The batch page's chart of conversations finished per minute since the batch started. While the
 * batch can still make progress htmx fetches it again every 15 seconds; the link reloads the page
 * without JavaScript.
 */
export function ThroughputChart(props: { batch: Pick<BatchState, 'id' | 'status'>; throughput: Throughput }) {
  const { batch, throughput } = props
  const points = throughput.points
  const sameDay = points.length > 0 && points.at(-1)!.at.getTime() - points[0]!.at.getTime() < 86_400_000
  const label = (at: Date) => (sameDay ? timeOfDay(at) : when(at))
  const live = batch.status === 'running' || batch.status === 'paused'
  const interval = throughput.bucket_minutes === 1 ? 'minute' : `${throughput.bucket_minutes} minutes`
  return (
    <section
      id="batch-throughput"
      aria-label="Throughput"
      {...(live ? { 'hx-get': `/batches/${batch.id}/throughput`, 'hx-trigger': 'every 15s', 'hx-swap': 'outerHTML' } : {})}
    >
      <Chart
        id="chart-batch-throughput"
        level={2}
        title="Throughput"
        description={`Conversations finished per minute, in intervals of one ${interval}, since the batch started`}
        labelHeading={`Interval (${interval}) from`}
        empty="No conversation has finished yet."
        spec={{
          kind: 'line',
          labels: points.map((p) => label(p.at)),
          series: [
            { label: 'Finished per minute', values: points.map((p) => p.per_minute), unit: 'per_minute', color: 'accent' },
            { label: 'Generated', values: points.map((p) => p.generated), unit: 'count', color: 'good', table_only: true },
            { label: 'Failed', values: points.map((p) => p.failed), unit: 'count', color: 'bad', table_only: true },
          ],
        }}
      />
      {live && (
        <p class="muted small">
          Updated every 15 seconds. <a href={`/batches/${batch.id}`}>Refresh</a>
        </p>
      )}
    </section>
  )
}

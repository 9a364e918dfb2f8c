import type { DailyActivity } from '../../src/conversations/daily'
import type { PageContext } from '../../src/http/page-context'
import { Chart, ChartScripts } from '../Chart'
import { Layout } from '../Layout'

/** The dashboard's chart of conversations and spend per day, for the current filter. */
export function DailyChart(props: { activity: DailyActivity }) {
  const { activity } = props
  const span = `${activity.from} to ${activity.to}`
  return (
    <section id="daily-activity" class="daily-activity" aria-label="Conversations and spend per day">
      <Chart
        id="chart-daily-activity"
        title={`Conversations and spend per day, ${span}`}
        description={`Conversations created each day (bars) and what they cost in US dollars (line), ${span}`}
        labelHeading="Day"
        empty={`No conversations created from ${span} with these filters.`}
        compact
        spec={{
          kind: 'bar',
          labels: activity.days.map((d) => d.day),
          series: [
            { label: 'Conversations', values: activity.days.map((d) => d.conversations), unit: 'count', color: 'accent' },
            { label: 'Spend', values: activity.days.map((d) => d.cost_usd), unit: 'usd', color: 'warn', axis: 'right', line: true },
          ],
        }}
      />
    </section>
  )
}

/** Where the chart will appear: fetched once the page (or a new filter) is shown, like the summary; a link without JavaScript. */
export function DailyChartPlaceholder(props: { params: string }) {
  const url = `/conversations/daily${props.params ? `?${props.params}` : ''}`
  return (
    <section id="daily-activity" class="daily-activity" aria-label="Conversations and spend per day" hx-get={url} hx-trigger="load" hx-swap="outerHTML">
      <p class="muted">
        <a href={url}>Conversations and spend per day…</a>
      </p>
    </section>
  )
}

/** The chart on its own page, for browsers without JavaScript (its numbers are in the table). */
export function DailyPage(props: { ctx: PageContext; activity: DailyActivity; params: string }) {
  return (
    <Layout ctx={props.ctx} title="Conversations and spend per day">
      <ChartScripts />
      <p>
        <a href={`/?${props.params}`}>← Conversations</a>
      </p>
      <h1>Conversations and spend per day</h1>
      <DailyChart activity={props.activity} />
    </Layout>
  )
}

import type { DateRange } from '../../src/charts/date-range'
import type { QualityCharts as Figures } from '../../src/review/quality-report'
import { Chart, ChartScripts } from '../Chart'
import { RangeForm } from '../RangeForm'

/** The quality page's charts for a date range: quality and approval rate by day, rejection reasons, templates and reviewers. */
export function QualityCharts(props: { charts: Figures; range: DateRange; templateId?: string; label: (code: string) => string }) {
  const { charts } = props
  const span = `${charts.from} to ${charts.to}`
  const byDecisions = (rows: Figures['templates'] | Figures['reviewers'], names: string[]) => ({
    labels: names,
    series: [
      { label: 'Approval rate', values: rows.map((r) => r.approval_rate), unit: 'ratio' as const, color: 'good' as const },
      { label: 'Decisions', values: rows.map((r) => r.decided), unit: 'count' as const, color: 'muted' as const, table_only: true },
      { label: 'Approved', values: rows.map((r) => r.approved), unit: 'count' as const, color: 'good' as const, table_only: true },
      { label: 'Rejected', values: rows.map((r) => r.rejected), unit: 'count' as const, color: 'bad' as const, table_only: true },
      { label: 'Sent back', values: rows.map((r) => r.needs_revision), unit: 'count' as const, color: 'warn' as const, table_only: true },
      { label: 'Average quality', values: rows.map((r) => r.avg_quality), unit: 'score' as const, color: 'accent' as const, table_only: true },
    ],
  })
  return (
    <section id="quality-charts" aria-labelledby="quality-charts-title">
      <ChartScripts />
      <h2 id="quality-charts-title">Decisions from {span}</h2>
      <RangeForm action="/review/quality" range={props.range}>
        {props.templateId && <input type="hidden" name="template_id" value={props.templateId} />}
      </RangeForm>
      <div class="charts">
        <Chart
          id="chart-quality-daily"
          title="Quality and approval rate by day"
          description={`Approval rate and average quality score of the conversations decided each day, ${span}`}
          labelHeading="Day"
          empty="No decisions in this range."
          spec={{
            kind: 'line',
            labels: charts.daily.map((d) => d.day),
            series: [
              { label: 'Approval rate', values: charts.daily.map((d) => d.approval_rate), unit: 'ratio', color: 'good' },
              { label: 'Average quality', values: charts.daily.map((d) => d.avg_quality), unit: 'score', color: 'accent', axis: 'right' },
              { label: 'Decisions', values: charts.daily.map((d) => d.decided), unit: 'count', color: 'muted', table_only: true },
            ],
          }}
        />
        <Chart
          id="chart-rejection-reasons"
          title="Rejection reasons"
          description={`How often each reason was given for a rejection, ${span}`}
          labelHeading="Reason"
          empty="No rejections in this range."
          spec={{
            kind: 'bar',
            horizontal: true,
            labels: charts.reasons.map((r) => props.label(r.reason)),
            series: [{ label: 'Rejections', values: charts.reasons.map((r) => r.count), unit: 'count', color: 'bad' }],
          }}
        />
        <Chart
          id="chart-template-quality"
          title="Approval rate by template"
          description={`Approval rate of each template's decisions, worst first, ${span}`}
          labelHeading="Template"
          empty="No decisions in this range."
          spec={{
            kind: 'bar',
            horizontal: true,
            ...byDecisions(
              charts.templates,
              charts.templates.map((t) => t.template_name),
            ),
          }}
        />
        <Chart
          id="chart-reviewer-quality"
          title="Decisions by reviewer"
          description={`Approval rate of each reviewer's decisions, most decisions first, ${span}`}
          labelHeading="Reviewer"
          empty="No decisions in this range."
          spec={{
            kind: 'bar',
            horizontal: true,
            ...byDecisions(
              charts.reviewers,
              charts.reviewers.map((r) => r.reviewer_name),
            ),
          }}
        />
      </div>
    </section>
  )
}

import type { DateRange } from '../../src/charts/date-range'
import type { RejectionReason } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import { APPROVAL_RATE_DEFINITION } from '../../src/review/approval-rate'
import type { QualityCharts as ChartFigures, ReasonCount, TemplateQuality, WeekTrend } from '../../src/review/quality-report'
import { count, day, percent, score } from '../format'
import { Layout } from '../Layout'
import { Table } from '../Table'
import { QualityCharts } from './QualityCharts'
import { ReviewNav } from './ReviewNav'

type Props = {
  ctx: PageContext
  quality: { templates: TemplateQuality[]; overall: TemplateQuality }
  reasons: { overall: ReasonCount[]; byTemplate: Map<string, ReasonCount[]> }
  trend: WeekTrend[]
  /** Decisions in the chosen date range, drawn as charts. */
  charts: ChartFigures
  range: DateRange
  templateId?: string
  /** The configured reasons, to show labels for the stored codes. */
  labels: RejectionReason[]
}

/** How reviewers judge each template's conversations: worst approval rate first, reasons, and the weekly trend. */
export function QualityPage(props: Props) {
  const { overall, templates } = props.quality
  const label = (code: string) => props.labels.find((r) => r.code === code)?.label ?? code
  const focused = props.templateId ? templates.find((t) => t.template_id === props.templateId) : undefined
  return (
    <Layout ctx={props.ctx} title="Quality feedback">
      <link rel="stylesheet" href="/static/review.css" />
      <ReviewNav ctx={props.ctx} />
      <h1>Quality feedback</h1>
      <section class="cards">
        <Card label="Approval rate" value={percent(overall.approval_rate)} note={`${count(overall.decided)} decided`} />
        <Card label="Average quality, approved" value={score(overall.avg_quality_approved)} />
        <Card label="Average quality, rejected" value={score(overall.avg_quality_rejected)} />
        <Card label="Waiting for review" value={count(overall.pending)} />
      </section>
      <p class="muted small" id="approval-rate-definition">
        Approval rate = {APPROVAL_RATE_DEFINITION}, by each conversation's current status (the weekly trend and the charts count the decisions made in their
        time).
      </p>
      <QualityCharts charts={props.charts} range={props.range} templateId={props.templateId} label={label} />

      <h2>Templates, worst approval rate first</h2>
      <Table
        head={[
          'Template',
          'Approval rate',
          'Decided',
          'Approved',
          'Rejected',
          'Sent back',
          'Pending',
          'Avg quality approved',
          'Avg quality rejected',
          'Top rejection reasons',
        ]}
        id="template-quality"
      >
        {templates.map((t) => (
          <tr data-template={t.template_id ?? ''}>
            <td>{t.template_id ? <a href={`/review/quality?template_id=${t.template_id}`}>{t.template_name}</a> : t.template_name}</td>
            <td>
              <Bar rate={t.approval_rate} /> {percent(t.approval_rate)}
            </td>
            <td>{count(t.decided)}</td>
            <td>{count(t.approved)}</td>
            <td>{count(t.rejected)}</td>
            <td>{count(t.needs_revision)}</td>
            <td>{count(t.pending)}</td>
            <td>{score(t.avg_quality_approved)}</td>
            <td>{score(t.avg_quality_rejected)}</td>
            <td>
              {(props.reasons.byTemplate.get(t.template_id ?? '') ?? [])
                .slice(0, 3)
                .map((r) => `${label(r.reason)} (${count(r.count)})`)
                .join(', ') || '—'}
            </td>
          </tr>
        ))}
      </Table>

      <h2>Most common rejection reasons</h2>
      {props.reasons.overall.length === 0 ? (
        <p class="muted">No rejections yet.</p>
      ) : (
        <table class="table compact" id="rejection-reasons">
          <tbody>
            {props.reasons.overall.map((r) => (
              <tr>
                <th>{label(r.reason)}</th>
                <td>{count(r.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>
        Weekly trend{focused ? `: ${focused.template_name}` : ', all templates'}
        {focused && (
          <small>
            {' '}
            <a href="/review/quality">show all</a>
          </small>
        )}
      </h2>
      {props.trend.length === 0 ? (
        <p class="muted">No decisions in the last 12 weeks.</p>
      ) : (
        <Table head={['Week of', 'Decisions', 'Approved', 'Approval rate']} class="compact" id="weekly-trend">
          {props.trend.map((w) => (
            <tr>
              <td>{day(w.week)}</td>
              <td>{count(w.decided)}</td>
              <td>{count(w.approved)}</td>
              <td>
                <Bar rate={w.approval_rate} /> {percent(w.approval_rate)}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Layout>
  )
}

function Card(props: { label: string; value: string; note?: string }) {
  return (
    <div class="card stat">
      <div class="muted">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.note && <div class="muted small">{props.note}</div>}
    </div>
  )
}

function Bar(props: { rate: number | null }) {
  const width = Math.round((props.rate ?? 0) * 120)
  return (
    <svg class="bar" width="120" height="10" role="img" aria-label={percent(props.rate)}>
      <rect width="120" height="10" class="bar-bg" />
      <rect width={String(width)} height="10" class="bar-fill" />
    </svg>
  )
}

import { type Kysely, type RawBuilder, sql } from 'kysely'
import { type DateRange, daysOf } from '../charts/date-range'
import { addDays, dayOfInstant, startOfDay } from '../days'
import type { DB } from '../db/schema'
import { approvalRate } from './approval-rate'

/**
 * Quality feedback: how reviewers judge what each template produces. Rates count conversations by
 * their current decision (approved, rejected, sent back); reasons and trends come from the review
 * history, leaving out decisions that were undone and those of conversations in the trash. Every
 * figure is read from roll-ups the database keeps counted (src/review/quality-counts.ts), so a
 * million conversations cost no more to show than a thousand.
 */

export type TemplateQuality = {
  template_id: string | null
  template_name: string
  decided: number
  approved: number
  rejected: number
  needs_revision: number
  pending: number
  approval_rate: number | null
  avg_quality_approved: number | null
  avg_quality_rejected: number | null
}

export type ReasonCount = { template_id: string | null; reason: string; count: number }
export type WeekTrend = { week: Date; decided: number; approved: number; approval_rate: number | null }

/** Per template, worst approval rate first (templates with no decisions yet last), and the overall row. */
export async function templateQuality(db: Kysely<DB>): Promise<{ templates: TemplateQuality[]; overall: TemplateQuality }> {
  // Live conversations by template and status, counted already (src/review/quality-counts.ts).
  const rows = await sql<Omit<TemplateQuality, 'approval_rate'> & { total: boolean }>`
    select grouping(t.id) = 1 as total, t.id as template_id, coalesce(t.name, '(no template)') as template_name,
      ${countOf(sql`s.n`, sql`s.status in ('approved', 'rejected', 'needs_revision')`)} as decided,
      ${countOf(sql`s.n`, sql`s.status = 'approved'`)} as approved,
      ${countOf(sql`s.n`, sql`s.status = 'rejected'`)} as rejected,
      ${countOf(sql`s.n`, sql`s.status = 'needs_revision'`)} as needs_revision,
      ${countOf(sql`s.n`, sql`s.status = 'pending_review'`)} as pending,
      ${averageOf(sql`s.status = 'approved'`)} as avg_quality_approved,
      ${averageOf(sql`s.status = 'rejected'`)} as avg_quality_rejected
    from conversation_status_counts s left join templates t on t.id = s.template_id
    where s.status in ('approved', 'rejected', 'needs_revision', 'pending_review')
    group by grouping sets ((t.id, t.name), ())
    having sum(s.n) <> 0
  `.execute(db)
  const withRate = rows.rows.map(({ total, ...r }) => ({ total, row: { ...r, approval_rate: approvalRate(r) } }))
  const overall = withRate.find((r) => r.total)?.row ?? emptyOverall()
  const templates = withRate
    .filter((r) => !r.total)
    .map((r) => r.row)
    .sort((a, b) => (a.approval_rate ?? 2) - (b.approval_rate ?? 2) || a.template_name.localeCompare(b.template_name))
  return { templates, overall: { ...overall, template_name: 'All templates' } }
}

/** A roll-up's count (of the rows matching `where`, all when left out), as a number. */
function countOf(column: RawBuilder<unknown>, where?: RawBuilder<unknown>) {
  return where ? sql`coalesce(sum(${column}) filter (where ${where}), 0)::int` : sql`coalesce(sum(${column}), 0)::int`
}

/** Decisions of decision-count rows `d`, and how many went each way: the columns of DecisionFigures counted. */
const DECISION_COUNTS = sql`${countOf(sql`d.decided`)} as decided,
  ${countOf(sql`d.decided`, sql`d.to_status = 'approved'`)} as approved,
  ${countOf(sql`d.decided`, sql`d.to_status = 'rejected'`)} as rejected,
  ${countOf(sql`d.decided`, sql`d.to_status = 'needs_revision'`)} as needs_revision`

/** A roll-up's average quality (two places; null when nothing had a score) from its sum and count. */
function averageOf(where?: RawBuilder<unknown>) {
  const filter = where ? sql`filter (where ${where})` : sql``
  return sql`round(sum(quality_sum) ${filter} / nullif(sum(quality_n) ${filter}, 0), 2)::float8`
}

function emptyOverall(): TemplateQuality {
  return {
    template_id: null,
    template_name: 'All templates',
    decided: 0,
    approved: 0,
    rejected: 0,
    needs_revision: 0,
    pending: 0,
    approval_rate: null,
    avg_quality_approved: null,
    avg_quality_rejected: null,
  }
}

/** The most common rejection reasons, overall (template_id null) and per template, most frequent first. */
export async function rejectionReasons(db: Kysely<DB>): Promise<{ overall: ReasonCount[]; byTemplate: Map<string, ReasonCount[]> }> {
  const rows = await sql<ReasonCount & { total: boolean }>`
    select t.id as template_id, r.reason, ${countOf(sql`r.n`)} as count, grouping(t.id) = 1 as total
    from review_reason_counts r left join templates t on t.id = r.template_id
    group by grouping sets ((t.id, r.reason), (r.reason))
    having sum(r.n) <> 0
    order by count desc, reason
  `.execute(db)
  const overall = rows.rows.filter((r) => r.total).map(({ total: _total, ...r }) => ({ ...r, template_id: null }))
  const byTemplate = new Map<string, ReasonCount[]>()
  for (const { total, ...r } of rows.rows) {
    if (total || !r.template_id) continue
    byTemplate.set(r.template_id, [...(byTemplate.get(r.template_id) ?? []), r])
  }
  return { overall, byTemplate }
}

/** Decisions per week (weeks from Monday in `zone`; newest last) over the last `weeks` weeks, for all templates or one. */
export async function weeklyTrend(db: Kysely<DB>, options: { weeks: number; zone: string; templateId?: string }): Promise<WeekTrend[]> {
  const rows = await sql<{ week: Date; decided: number; approved: number; rejected: number; needs_revision: number }>`
    with by_bucket as (
      -- Summed by quarter hour first, so the zone's week is worked out once per quarter hour, not per row.
      select d.bucket,
        ${DECISION_COUNTS}
      from review_decision_counts d
      where d.bucket >= date_trunc('week', now(), ${options.zone}) - make_interval(weeks => ${options.weeks - 1})
        ${options.templateId ? sql`and d.template_id = ${options.templateId}` : sql``}
      group by d.bucket
    )
    select date_trunc('week', b.bucket, ${options.zone}) as week, sum(b.decided)::int as decided, sum(b.approved)::int as approved,
      sum(b.rejected)::int as rejected, sum(b.needs_revision)::int as needs_revision
    from by_bucket b
    group by 1 having sum(b.decided) <> 0 order by 1
  `.execute(db)
  return rows.rows.map(({ rejected, needs_revision, ...r }) => ({ ...r, approval_rate: approvalRate({ approved: r.approved, rejected, needs_revision }) }))
}

export type DecisionFigures = {
  decided: number
  approved: number
  rejected: number
  needs_revision: number
  approval_rate: number | null
  avg_quality: number | null
}
export type QualityCharts = {
  from: string
  to: string
  /** Every day of the range, oldest first; days without decisions count zero. */
  daily: Array<{ day: string } & DecisionFigures>
  /** Rejection reasons given in the range, most frequent first. */
  reasons: Array<{ reason: string; count: number }>
  /** Worst approval rate first. */
  templates: Array<{ template_id: string | null; template_name: string } & DecisionFigures>
  /** Most decisions first; auto-review (no reviewer) is one of them. */
  reviewers: Array<{ reviewer_id: string | null; reviewer_name: string } & DecisionFigures>
}

/**
 * What the quality page draws for a date range: decisions by day, by template and by reviewer in one
 * pass over the range's counted decisions (grouping sets), and the reasons given for rejections.
 * The roll-ups count by quarter hour, so any zone's day is a whole number of their rows.
 */
export async function qualityCharts(db: Kysely<DB>, range: DateRange, templateId?: string): Promise<QualityCharts> {
  const inRange = (alias: string) => sql`${sql.ref(`${alias}.bucket`)} >= ${startOfDay(range.from, range.zone)}
    and ${sql.ref(`${alias}.bucket`)} < ${startOfDay(addDays(range.to, 1), range.zone)}
    ${templateId ? sql`and ${sql.ref(`${alias}.template_id`)} = ${templateId}` : sql``}`
  const { rows } = await sql<{
    kind: 'day' | 'template' | 'reviewer' | 'reason'
    day: string | null
    template_id: string | null
    template_name: string | null
    reviewer_id: string | null
    reviewer_name: string | null
    reason: string | null
    decided: number
    approved: number
    rejected: number
    needs_revision: number
    avg_quality: number | null
  }>`
    with by_day as (
      -- Quarter hours summed into days first (tens of thousands of rows into hundreds), then named.
      select ${dayOfInstant(sql`r.bucket`, range.zone)} as day, r.template_id, r.reviewer_id, r.to_status,
        sum(r.decided) as decided, sum(r.quality_sum) as quality_sum, sum(r.quality_n) as quality_n
      from review_decision_counts r
      where ${inRange('r')}
      group by 1, 2, 3, 4
    ),
    d as materialized (
      select b.day, b.to_status, b.decided, b.quality_sum, b.quality_n,
        t.id as template_id, coalesce(t.name, '(no template)') as template_name,
        u.id as reviewer_id, coalesce(nullif(u.name, ''), u.email, 'Auto-review') as reviewer_name
      from by_day b
      left join templates t on t.id = b.template_id
      left join users u on u.id = b.reviewer_id
    )
    select case when grouping(d.day) = 0 then 'day' when grouping(d.template_id) = 0 then 'template' else 'reviewer' end as kind,
      to_char(d.day, 'YYYY-MM-DD') as day, d.template_id, d.template_name, d.reviewer_id, d.reviewer_name, null as reason,
      ${DECISION_COUNTS},
      ${averageOf()} as avg_quality
    from d
    group by grouping sets ((d.day), (d.template_id, d.template_name), (d.reviewer_id, d.reviewer_name))
    having sum(d.decided) <> 0
    union all
    select 'reason', null, null, null, null, null, x.reason, ${countOf(sql`x.n`)}, 0, ${countOf(sql`x.n`)}, 0, null
    from review_reason_counts x
    where ${inRange('x')}
    group by x.reason
    having sum(x.n) <> 0
  `.execute(db)
  const figures = (r: (typeof rows)[number]): DecisionFigures => ({
    decided: r.decided,
    approved: r.approved,
    rejected: r.rejected,
    needs_revision: r.needs_revision,
    approval_rate: approvalRate(r),
    avg_quality: r.avg_quality,
  })
  const byDay = new Map(rows.filter((r) => r.kind === 'day').map((r) => [r.day, figures(r)]))
  const none: DecisionFigures = { decided: 0, approved: 0, rejected: 0, needs_revision: 0, approval_rate: null, avg_quality: null }
  return {
    from: range.from,
    to: range.to,
    daily: daysOf(range).map((day) => ({ day, ...(byDay.get(day) ?? none) })),
    reasons: rows
      .filter((r) => r.kind === 'reason')
      .map((r) => ({ reason: r.reason ?? '', count: r.decided }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    templates: rows
      .filter((r) => r.kind === 'template')
      .map((r) => ({ template_id: r.template_id, template_name: r.template_name ?? '(no template)', ...figures(r) }))
      .sort((a, b) => (a.approval_rate ?? 2) - (b.approval_rate ?? 2) || a.template_name.localeCompare(b.template_name)),
    reviewers: rows
      .filter((r) => r.kind === 'reviewer')
      .map((r) => ({ reviewer_id: r.reviewer_id, reviewer_name: r.reviewer_name ?? 'Auto-review', ...figures(r) }))
      .sort((a, b) => b.decided - a.decided || a.reviewer_name.localeCompare(b.reviewer_name)),
  }
}

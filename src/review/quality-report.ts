import { type Kysely, sql } from 'kysely'
import { type DateRange, daysOf } from '../charts/date-range'
import { addDays, dayOfInstant, startOfDay } from '../days'
import type { DB } from '../db/schema'
import { approvalRate } from './approval-rate'

/**
 * Quality feedback: how reviewers judge what each template produces. Rates count conversations by
 * their current decision (approved, rejected, sent back); reasons and trends come from the review
 * history, leaving out decisions that were undone.
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
  const rows = await sql<Omit<TemplateQuality, 'approval_rate'> & { total: boolean }>`
    select grouping(c.template_id) = 1 as total, c.template_id, coalesce(t.name, '(no template)') as template_name,
      count(*) filter (where c.status in ('approved', 'rejected', 'needs_revision'))::int as decided,
      count(*) filter (where c.status = 'approved')::int as approved,
      count(*) filter (where c.status = 'rejected')::int as rejected,
      count(*) filter (where c.status = 'needs_revision')::int as needs_revision,
      count(*) filter (where c.status = 'pending_review')::int as pending,
      round(avg(c.quality_score) filter (where c.status = 'approved'), 2)::float8 as avg_quality_approved,
      round(avg(c.quality_score) filter (where c.status = 'rejected'), 2)::float8 as avg_quality_rejected
    from conversations c left join templates t on t.id = c.template_id
    where c.deleted_at is null and c.status in ('approved', 'rejected', 'needs_revision', 'pending_review')
    group by grouping sets ((c.template_id, t.name), ())
  `.execute(db)
  const withRate = rows.rows.map(({ total, ...r }) => ({ total, row: { ...r, approval_rate: approvalRate(r) } }))
  const overall = withRate.find((r) => r.total)?.row ?? emptyOverall()
  const templates = withRate
    .filter((r) => !r.total)
    .map((r) => r.row)
    .sort((a, b) => (a.approval_rate ?? 2) - (b.approval_rate ?? 2) || a.template_name.localeCompare(b.template_name))
  return { templates, overall: { ...overall, template_name: 'All templates' } }
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

const notUndone = sql`not exists (select 1 from review_actions u where u.undoes_id = ra.id)`

/** The most common rejection reasons, overall (template_id null) and per template, most frequent first. */
export async function rejectionReasons(db: Kysely<DB>): Promise<{ overall: ReasonCount[]; byTemplate: Map<string, ReasonCount[]> }> {
  const rows = await sql<ReasonCount & { total: boolean }>`
    select c.template_id, reason, count(*)::int as count, grouping(c.template_id) = 1 as total
    from review_actions ra
    join conversations c on c.id = ra.conversation_id
    cross join lateral unnest(ra.reasons) as reason
    where ra.action in ('reject', 'auto_reject') and ${notUndone} and c.deleted_at is null
    group by grouping sets ((c.template_id, reason), (reason))
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
    select date_trunc('week', ra.created_at, ${options.zone}) as week,
      count(*)::int as decided,
      count(*) filter (where ra.to_status = 'approved')::int as approved,
      count(*) filter (where ra.to_status = 'rejected')::int as rejected,
      count(*) filter (where ra.to_status = 'needs_revision')::int as needs_revision
    from review_actions ra
    join conversations c on c.id = ra.conversation_id
    where ra.action in ('approve', 'reject', 'request_changes', 'auto_approve', 'auto_reject') and ${notUndone}
      and ra.created_at >= date_trunc('week', now(), ${options.zone}) - make_interval(weeks => ${options.weeks - 1})
      and c.deleted_at is null
      ${options.templateId ? sql`and c.template_id = ${options.templateId}` : sql``}
    group by 1 order by 1
  `.execute(db)
  return rows.rows.map(({ rejected, needs_revision, ...r }) => ({ ...r, approval_rate: approvalRate({ approved: r.approved, rejected, needs_revision }) }))
}

/** The review decisions a person or auto-review made (an undone one does not count). */
const DECISIONS = sql`ra.action in ('approve', 'reject', 'request_changes', 'auto_approve', 'auto_reject') and ${notUndone}`

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
 * pass over the range's review actions (grouping sets), and the reasons given for rejections.
 */
export async function qualityCharts(db: Kysely<DB>, range: DateRange, templateId?: string): Promise<QualityCharts> {
  // One pass over the range's decisions (joined to their conversations once) feeds every grouping and the reasons.
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
    with d as materialized (
      select ${dayOfInstant(sql`ra.created_at`, range.zone)} as day, ra.action, ra.to_status, ra.reasons, c.quality_score,
        c.template_id, coalesce(t.name, '(no template)') as template_name,
        ra.reviewer_id, coalesce(nullif(u.name, ''), u.email, 'Auto-review') as reviewer_name
      from review_actions ra
      join conversations c on c.id = ra.conversation_id
      left join templates t on t.id = c.template_id
      left join users u on u.id = ra.reviewer_id
      where ${DECISIONS} and ra.created_at >= ${startOfDay(range.from, range.zone)}
        and ra.created_at < ${startOfDay(addDays(range.to, 1), range.zone)} and c.deleted_at is null
        ${templateId ? sql`and c.template_id = ${templateId}` : sql``}
    )
    select case when grouping(d.day) = 0 then 'day' when grouping(d.template_id) = 0 then 'template' else 'reviewer' end as kind,
      to_char(d.day, 'YYYY-MM-DD') as day, d.template_id, d.template_name, d.reviewer_id, d.reviewer_name, null as reason,
      count(*)::int as decided,
      count(*) filter (where d.to_status = 'approved')::int as approved,
      count(*) filter (where d.to_status = 'rejected')::int as rejected,
      count(*) filter (where d.to_status = 'needs_revision')::int as needs_revision,
      round(avg(d.quality_score), 2)::float8 as avg_quality
    from d
    group by grouping sets ((d.day), (d.template_id, d.template_name), (d.reviewer_id, d.reviewer_name))
    union all
    select 'reason', null, null, null, null, null, reason, count(*)::int, 0, count(*)::int, 0, null
    from d cross join lateral unnest(d.reasons) as reason
    where d.action in ('reject', 'auto_reject')
    group by reason
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

import { type Kysely, sql } from 'kysely'
import type { DB } from '../../db/schema'

/**
 * A batch's throughput over time: how many of its conversations finished (generated or failed) in
 * each interval since it started. A generated conversation finished when its first version was
 * written (a later review or edit does not move it); a failed one when it last changed.
 */
export type Throughput = {
  /** Minutes per interval: 1 for a batch of up to two hours, longer so a long batch keeps about 120 points. */
  bucket_minutes: number
  points: Array<{ at: Date; generated: number; failed: number; per_minute: number }>
}

const MAX_POINTS = 120
const BUCKETS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 720, 1440]

export function bucketMinutes(spanMs: number): number {
  const minutes = Math.ceil(spanMs / 60_000)
  return BUCKETS.find((b) => minutes / b <= MAX_POINTS) ?? (BUCKETS.at(-1) as number)
}

export async function batchThroughput(
  db: Kysely<DB>,
  batch: { id: string; created_at: Date; finished_at: Date | null },
  now = new Date(),
): Promise<Throughput> {
  // Per minute in SQL (at most one row per conversation), grouped into wider intervals here once the span is known.
  const { rows } = await sql<{ minute: Date; generated: number; failed: number }>`
    select date_trunc('minute', f.at) as minute,
      count(*) filter (where not f.failed)::int as generated,
      count(*) filter (where f.failed)::int as failed
    from (
      select coalesce(v.created_at, c.updated_at) as at, c.status = 'failed' as failed
      from conversations c
      left join conversation_versions v on v.conversation_id = c.id and v.version = 1
      where c.batch_id = ${batch.id} and c.status in ('pending_review', 'approved', 'rejected', 'needs_revision', 'failed')
    ) f
    group by 1 order by 1
  `.execute(db)
  const minutes = rows.map((r) => ({ ...r, t: new Date(r.minute).getTime() }))
  const first = Math.min(Math.floor(batch.created_at.getTime() / 60_000) * 60_000, ...minutes.map((m) => m.t))
  const last = Math.max((batch.finished_at ?? now).getTime(), ...minutes.map((m) => m.t))
  const bucket = bucketMinutes(last - first + 60_000)
  const step = bucket * 60_000
  const points: Throughput['points'] = []
  for (let t = first; t <= last; t += step) points.push({ at: new Date(t), generated: 0, failed: 0, per_minute: 0 })
  for (const m of minutes) {
    const point = points[Math.floor((m.t - first) / step)]
    if (!point) continue
    point.generated += m.generated
    point.failed += m.failed
  }
  for (const point of points) point.per_minute = (point.generated + point.failed) / bucket
  return { bucket_minutes: bucket, points }
}

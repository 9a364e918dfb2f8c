import type { Kysely } from 'kysely'
import { z } from 'zod'
import type { DB } from '../db/schema'
import { ERROR_CODES, isErrorCode } from '../error-codes'
import { optionalField } from '../http/params'
import { listRecoverableExports, type RecoverableExport } from './failed-exports'
import { type FailedGroup, failedByCode } from './failed-groups'
import { type GaveUpJob, listGaveUpJobs } from './failed-jobs'
import { listStuckBatches, type StuckBatch, StuckMinutes } from './stuck-batches'

/** Everything the Recovery page shows, as GET /api/recovery answers it (DESIGN.md §8). */

export const RecoveryQuery = z.object({
  /** N: a running batch with nothing finished for this many minutes is listed as stuck (default 10). */
  stuck_minutes: StuckMinutes,
  /** Only the failed conversations of this batch. */
  batch_id: optionalField(z.uuid({ error: 'must be a batch id' })),
})
export type RecoveryQuery = z.infer<typeof RecoveryQuery>

/** A group with its code in words: what happened and what to do (null for a code no longer on the list). */
export type DescribedGroup = FailedGroup & { title: string | null; action: string | null }

export type Recovery = {
  failed_by_code: DescribedGroup[]
  stuck_batches: StuckBatch[]
  exports: RecoverableExport[]
  jobs: GaveUpJob[]
}

export function describeCode(code: string): { title: string | null; action: string | null } {
  return isErrorCode(code) ? { title: ERROR_CODES[code].title, action: ERROR_CODES[code].action } : { title: null, action: null }
}

export async function readRecovery(db: Kysely<DB>, query: RecoveryQuery): Promise<Recovery> {
  const [groups, stuck, exports, jobs] = await Promise.all([
    failedByCode(db, query.batch_id),
    listStuckBatches(db, query.stuck_minutes),
    listRecoverableExports(db),
    listGaveUpJobs(db),
  ])
  return { failed_by_code: groups.map((g) => ({ ...g, ...describeCode(g.code) })), stuck_batches: stuck, exports, jobs }
}

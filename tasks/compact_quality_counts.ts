import type { Task } from 'graphile-worker'
import type { Deps } from '../src/deps'
import { compactQualityCounts } from '../src/review/quality-counts'

/** Every minute: fold the changes appended to the quality page's roll-ups into one row per key. */
export default function compact_quality_counts({ db, log }: Deps): Task {
  return async () => {
    const folded = await compactQualityCounts(db)
    if (folded) log.debug({ folded }, 'quality roll-ups compacted')
  }
}

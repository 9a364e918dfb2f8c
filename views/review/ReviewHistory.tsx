import type { RejectionReason } from '../../src/db/schema'
import { DECISION_LABELS } from '../../src/review/actions'
import type { ReviewHistoryEntry } from '../../src/review/queries'
import { STATUS_LABELS, when } from '../format'

/**
 * Every review action on the conversation, newest first (undo is an entry of its own), on the
 * conversation page and the review screen alike. Reasons show as the labels in the review settings.
 */
export function ReviewHistory(props: { history: ReviewHistoryEntry[]; reasons: RejectionReason[] }) {
  const label = (code: string) => props.reasons.find((r) => r.code === code)?.label ?? code
  return (
    <section class="review-history" aria-label="Review history">
      <h2>Review history</h2>
      {props.history.length === 0 ? (
        <p class="muted">Not reviewed yet.</p>
      ) : (
        <ol>
          {props.history.map((entry) => (
            <li data-action={entry.action}>
              <strong>{DECISION_LABELS[entry.action]}</strong> by {entry.reviewer ?? 'the system'}, {when(entry.created_at)}: {STATUS_LABELS[entry.from_status]}{' '}
              → {STATUS_LABELS[entry.to_status]}
              {entry.reasons.length > 0 && <span class="reasons"> · {entry.reasons.map(label).join(', ')}</span>}
              {entry.comment && <q class="comment">{entry.comment}</q>}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

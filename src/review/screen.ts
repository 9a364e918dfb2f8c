import type { Kysely } from 'kysely'
import { findConversation } from '../conversations/detail'
import type { DB } from '../db/schema'
import { NotFound } from '../errors'
import { listReviewHistory } from './queries'
import { claimHolder, neighbourInQueue, queuePosition, type ReviewQueue } from './queue'
import { activeReviewSettings } from './settings'

/** Sentences for the outcome codes carried in redirects, so a crafted link cannot put words on the page. */
const DONE = {
  approve: 'Approved.',
  reject: 'Rejected.',
  request_changes: 'Sent back for changes.',
  undo: 'Undone: this conversation is pending review again.',
} as const
export type Outcome = keyof typeof DONE

/** What the screen says after a decision: "Here is the next one" only when there is a next one. */
export function outcomeNotice(outcome: Outcome, next: boolean): string {
  return next && outcome !== 'undo' ? `${DONE[outcome]} Here is the next one.` : DONE[outcome]
}

/** The notices for `?done=` on a conversation the reviewer was moved on to. */
export const OUTCOMES: Record<Outcome, string> = Object.fromEntries((Object.keys(DONE) as Outcome[]).map((o) => [o, outcomeNotice(o, true)])) as Record<
  Outcome,
  string
>

/**
 * Everything the review screen needs for one conversation, read in parallel: the conversation, its
 * history, the reasons, its neighbours in the queue, who else is looking at it. Reading changes
 * nothing: the screen claims the conversation with a POST once it is shown (POST /review/:id/claim).
 */
export async function loadReviewScreen(db: Kysely<DB>, queue: ReviewQueue, id: string, reviewerId: string) {
  const [item, history, nextId, claimedBy, around] = await Promise.all([
    findConversation(db, id),
    listReviewHistory(db, id),
    neighbourInQueue(db, queue, { fromId: id, direction: 'next', reviewerId }),
    claimHolder(db, id, reviewerId),
    loadScreenUpdates(db, queue, id, reviewerId),
  ])
  if (!item) throw new NotFound('This conversation does not exist or has been deleted.')
  return { ...around, item, history, nextId, claimedBy }
}

/** The reasons, the way back and the position: what a decision changes on the screen of the next conversation the browser already shows (ReviewScreenUpdates). */
export async function loadScreenUpdates(db: Kysely<DB>, queue: ReviewQueue, id: string, reviewerId: string) {
  const [settings, previousId, position] = await Promise.all([
    activeReviewSettings(db),
    neighbourInQueue(db, queue, { fromId: id, direction: 'previous', reviewerId }),
    queuePosition(db, queue, id),
  ])
  return { queue, history: [], reasons: settings.reasons, previousId, position }
}

/** The screen shown when the queue has nothing left for this reviewer. */
export async function loadEmptyScreen(db: Kysely<DB>, queue: ReviewQueue) {
  return { queue, history: [], reasons: (await activeReviewSettings(db)).reasons }
}

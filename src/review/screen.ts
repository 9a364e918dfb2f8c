import type { Kysely } from 'kysely'
import { findConversation } from '../conversations/detail'
import type { DB } from '../db/schema'
import { NotFound } from '../errors'
import { listReviewHistory } from './queries'
import { claimHolder, neighbourInQueue, type ReviewQueue } from './queue'
import { activeReviewSettings } from './settings'

/** Sentences for the outcome codes carried in redirects, so a crafted link cannot put words on the page. */
export const OUTCOMES = {
  approve: 'Approved. Here is the next one.',
  reject: 'Rejected. Here is the next one.',
  request_changes: 'Sent back for changes. Here is the next one.',
  undo: 'Undone: this conversation is pending review again.',
} as const
export type Outcome = keyof typeof OUTCOMES

/**
 * Everything the review screen needs for one conversation, read in parallel: the conversation, its
 * history, the reasons, its neighbours in the queue, who else is looking at it. Reading changes
 * nothing: the screen claims the conversation with a POST once it is shown (POST /review/:id/claim).
 */
export async function loadReviewScreen(db: Kysely<DB>, queue: ReviewQueue, id: string, reviewerId: string) {
  const [item, history, settings, previousId, nextId, claimedBy] = await Promise.all([
    findConversation(db, id),
    listReviewHistory(db, id),
    activeReviewSettings(db),
    neighbourInQueue(db, queue, { fromId: id, direction: 'previous', reviewerId }),
    neighbourInQueue(db, queue, { fromId: id, direction: 'next', reviewerId }),
    claimHolder(db, id, reviewerId),
  ])
  if (!item) throw new NotFound('This conversation does not exist or has been deleted.')
  return { queue, item, history, reasons: settings.reasons, previousId, nextId, claimedBy }
}

/** The screen shown when the queue has nothing left for this reviewer. */
export async function loadEmptyScreen(db: Kysely<DB>, queue: ReviewQueue) {
  return { queue, history: [], reasons: (await activeReviewSettings(db)).reasons }
}

import type { Child } from 'hono/jsx'
import type { DraftOffer as Offer } from '../src/drafts/drafts'
import { timeOfDay } from './format'

/**
 * What a form carries to be kept as a draft as you type: public/drafts.js posts a form marked
 * data-draft-key to /drafts (debounced) and shows the answer in its DraftStatus.
 */
export function draftAttributes(key: string, baseVersion?: number): Record<string, string> {
  return baseVersion === undefined ? { 'data-draft-key': key } : { 'data-draft-key': key, 'data-draft-base': String(baseVersion) }
}

/** Inside a drafted form: says that it is kept, and when it was last saved (the /drafts route answers with this alone). */
export function DraftStatus(props: { savedAt?: Date }) {
  return (
    <small class="draft-status muted" data-draft-status>
      {props.savedAt ? `Draft saved at ${timeOfDay(props.savedAt)}` : 'Changes are kept as a draft as you type.'}
    </small>
  )
}

/** A drafted form's submit button, with the draft's status beside it. */
export function DraftedSubmit(props: { label: Child }) {
  return (
    <p class="actions">
      <button type="submit" class="primary">
        {props.label}
      </button>
      <DraftStatus />
    </p>
  )
}

/** Above a form with a kept draft: restore it (a link, so it works without scripts) or discard it. */
export function DraftOffer(props: { offer?: Offer }) {
  const { offer } = props
  if (!offer) return null
  return (
    <section class="notice draft-offer" data-draft-offer={offer.key} aria-label="Unsaved draft">
      <p>
        You have an unsaved draft from {timeOfDay(offer.savedAt)}.
        {offer.stale && (
          <>
            {' '}
            <strong>
              The {offer.stale.thing} changed since: the draft started from version {offer.stale.from}, it is now at version {offer.stale.now}.
            </strong>
          </>
        )}
      </p>
      <div class="actions">
        <a class="button" href={offer.restoreHref}>
          Restore draft
        </a>
        <form method="post" action="/drafts/discard" class="inline">
          <input type="hidden" name="draft_key" value={offer.key} />
          <input type="hidden" name="return_to" value={offer.page} />
          <button type="submit">Discard</button>
        </form>
      </div>
    </section>
  )
}

import type { RejectionReason } from '../../src/db/schema'
import type { ShortcutAction } from '../../src/preferences/schema'
import type { SubmittedDecision } from '../../src/review/actions'
import { DraftStatus, draftAttributes } from '../Drafts'

/**
 * Approve, reject (with reasons) and request changes: the one set of decision forms, shown on the
 * review screen (with keys, swapped in by htmx) and on a conversation's page (plain forms).
 * `submitted` is a refused decision (or a restored draft): its panel opens again with what was
 * ticked and typed. With `draftKey`, the comment forms keep a draft as the reviewer types.
 */
export function ReviewActions(props: {
  conversation: { id: string; version: number }
  /** Where the forms post. */
  action: string
  reasons: RejectionReason[]
  /** The reviewer's keys, on the review screen; without them no keys are shown or bound. */
  keys?: Record<ShortcutAction, string>
  /** htmx attributes for each form (the review screen swaps itself). */
  htmx?: Record<string, string>
  submitted?: SubmittedDecision
  draftKey?: string
}) {
  const { keys, submitted } = props
  const ticked = new Set(submitted?.action === 'reject' ? submitted.reasons : [])
  const form = { method: 'post' as const, action: props.action, ...(props.htmx && { 'hx-post': props.action, ...props.htmx }) }
  const version = <input type="hidden" name="version" value={String(props.conversation.version)} />
  const key = (name: ShortcutAction) => keys && <kbd>{keys[name]}</kbd>
  const draft = props.draftKey ? draftAttributes(props.draftKey, props.conversation.version) : {}
  return (
    <div class="review-actions">
      <form {...form} class="inline">
        <input type="hidden" name="action" value="approve" />
        {version}
        <button type="submit" class="primary" data-hotkey={keys?.approve}>
          Approve {key('approve')}
        </button>
      </form>
      <details class="action-panel" id="reject-panel" data-modal open={submitted?.action === 'reject'}>
        <summary data-hotkey={keys?.reject}>Reject {key('reject')}</summary>
        <form {...form} class="reject-form" {...draft}>
          <input type="hidden" name="action" value="reject" />
          {version}
          <fieldset>
            <legend>{keys ? 'Reasons (press a digit to toggle, Enter to reject, Esc to cancel)' : 'Reasons (at least one)'}</legend>
            {props.reasons.map((reason, i) => (
              <label class="reason">
                <input
                  type="checkbox"
                  name="reasons"
                  value={reason.code}
                  checked={ticked.has(reason.code)}
                  data-digit={keys ? String(i + 1) : undefined}
                  data-autofocus={i === 0 ? '' : undefined}
                />{' '}
                {keys && <kbd>{i + 1}</kbd>} {reason.label}
              </label>
            ))}
          </fieldset>
          <label>
            Comment{' '}
            <input type="text" name="comment" maxlength={2000} autocomplete="off" value={submitted?.action === 'reject' ? submitted.comment : undefined} />
          </label>
          <button type="submit" class="danger">
            Reject {keys && <kbd>Enter</kbd>}
          </button>
          {props.draftKey && <DraftStatus />}
        </form>
      </details>
      <details class="action-panel" id="changes-panel" data-modal open={submitted?.action === 'request_changes'}>
        <summary data-hotkey={keys?.request_changes}>Request changes {key('request_changes')}</summary>
        <form {...form} class="changes-form" {...draft}>
          <input type="hidden" name="action" value="request_changes" />
          {version}
          <label>
            What should change?{' '}
            <input
              type="text"
              name="comment"
              required
              maxlength={2000}
              autocomplete="off"
              data-autofocus
              value={submitted?.action === 'request_changes' ? submitted.comment : undefined}
            />
          </label>
          <button type="submit">Send back {keys && <kbd>Enter</kbd>}</button>
          {props.draftKey && <DraftStatus />}
        </form>
      </details>
    </div>
  )
}

import type { DraftOffer as Offer } from '../../src/drafts/drafts'
import type { PageContext } from '../../src/http/page-context'
import { type ReviewSettings, reasonLines } from '../../src/review/settings'
import { DraftedSubmit, DraftOffer, draftAttributes } from '../Drafts'
import { FormError } from '../Field'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { ReviewNav } from '../review/ReviewNav'

const text = (v: unknown) => (typeof v === 'string' ? v : undefined)

/** Admin form: the rejection reasons (one "code: Label" per line) and the auto-review thresholds. */
export function ReviewSettingsPage(props: {
  ctx: PageContext
  settings: ReviewSettings
  values?: Record<string, unknown>
  fields?: Record<string, string>
  /** A refusal that is not about one field. */
  error?: string
  notice?: string
  draft?: Offer
}) {
  const { settings, values, fields = {} } = props
  const threshold = (v: number | null) => (v === null ? '' : String(v))
  return (
    <Layout ctx={props.ctx} title="Review settings">
      <ReviewNav ctx={props.ctx} />
      <h1>Review settings</h1>
      <Notice message={props.notice} />
      <FormError message={Object.keys(fields).length ? 'Some settings are not valid; see below.' : props.error} />
      <DraftOffer offer={props.draft} />
      <form method="post" action="/review/settings" class="card" {...draftAttributes('settings:review')}>
        <div class={fields.reasons ? 'field invalid' : 'field'}>
          <label for="f-reasons">Rejection reasons, one per line as "code: Label" (at most 9: reviewers pick them with the digit keys)</label>
          <textarea id="f-reasons" name="reasons" rows={10} cols={50}>
            {text(values?.reasons) ?? reasonLines(settings.reasons)}
          </textarea>
          {fields.reasons && <p class="field-error">{fields.reasons}</p>}
          <p class="muted">Codes are stored with each rejection; removing one from the list keeps old rejections as they were.</p>
        </div>
        <div class={fields.auto_approve_above ? 'field invalid' : 'field'}>
          <label for="f-approve">Auto-approve when quality is at least (blank: off)</label>
          <input
            id="f-approve"
            name="auto_approve_above"
            type="number"
            min="0"
            max="10"
            step="0.01"
            value={text(values?.auto_approve_above) ?? threshold(settings.autoApproveAbove)}
          />
          {fields.auto_approve_above && <p class="field-error">{fields.auto_approve_above}</p>}
        </div>
        <div class={fields.auto_reject_below ? 'field invalid' : 'field'}>
          <label for="f-reject">Auto-reject when quality is below (blank: off)</label>
          <input
            id="f-reject"
            name="auto_reject_below"
            type="number"
            min="0"
            max="10"
            step="0.01"
            value={text(values?.auto_reject_below) ?? threshold(settings.autoRejectBelow)}
          />
          {fields.auto_reject_below && <p class="field-error">{fields.auto_reject_below}</p>}
        </div>
        <p class="muted">Thresholds apply when a conversation finishes generating, and are recorded in its history as system actions.</p>
        <DraftedSubmit label="Save" />
      </form>
    </Layout>
  )
}

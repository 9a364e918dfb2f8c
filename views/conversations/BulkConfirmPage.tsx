import { BULK_JOB_THRESHOLD, type BulkAction } from '../../src/conversations/bulk'
import type { ConversationFilter } from '../../src/conversations/filter'
import { filterParams } from '../../src/conversations/filter'
import type { PageContext } from '../../src/http/page-context'
import { count } from '../format'
import { Layout } from '../Layout'
import { BULK_LABELS, FilterFields } from './BulkForm'

/** "Approve 1,234 conversations?": the count first, then one button that does it. */
export function BulkConfirmPage(props: {
  ctx: PageContext
  action: BulkAction
  scope: 'selected' | 'filter'
  filter: ConversationFilter
  ids?: string[]
  matched: number
  eligible: number
}) {
  const { action, matched, eligible } = props
  const verb = BULK_LABELS[action]
  const back = `/?${filterParams(props.filter).toString()}`
  const noun = (n: number) => (n === 1 ? 'conversation' : 'conversations')
  return (
    <Layout ctx={props.ctx} title={`${verb}: confirm`}>
      <h1>
        {verb} {count(eligible)} {noun(eligible)}?
      </h1>
      <p>
        {props.scope === 'filter' ? 'Everything matching the filter' : 'The selection'}: {count(matched)} {noun(matched)}.
        {matched > eligible && ` ${count(matched - eligible)} of them will be left alone: their status does not allow this.`}
        {eligible > BULK_JOB_THRESHOLD && ' This many run in the background: the dashboard shows the result once it is done.'}
      </p>
      {eligible > 0 ? (
        <form method="post" action="/conversations/bulk" class="confirm">
          <FilterFields filter={props.filter} />
          {props.ids?.map((id) => (
            <input type="hidden" name="ids" value={id} />
          ))}
          <input type="hidden" name="action" value={action} />
          <input type="hidden" name="scope" value={props.scope} />
          <input type="hidden" name="confirmed" value="true" />
          <button type="submit" class="primary">
            {verb} {count(eligible)} {noun(eligible)}
          </button>{' '}
          <a href={back}>Cancel</a>
        </form>
      ) : (
        <p>
          Nothing to do. <a href={back}>Back to the conversations</a>
        </p>
      )}
    </Layout>
  )
}

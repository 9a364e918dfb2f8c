import type { BulkAction } from '../../src/conversations/bulk'
import { type ConversationFilter, filterParams } from '../../src/conversations/filter'

export const BULK_LABELS: Record<BulkAction, string> = {
  approve: 'Approve',
  reject: 'Reject',
  move_to_review: 'Move to review',
  delete: 'Delete (to trash)',
  export: 'Export',
}

/** The filter as hidden fields, so "everything matching this filter" posts exactly what is shown. */
export function FilterFields(props: { filter: ConversationFilter }) {
  return (
    <>
      {[...filterParams(props.filter)].map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  )
}

/**
 * Bulk actions on the ticked rows (their checkboxes belong to this form through form="bulk") or on
 * everything matching the filter. Posting asks for a confirmation stating the count first.
 */
export function BulkForm(props: { filter: ConversationFilter; actions: BulkAction[] }) {
  return (
    <form method="post" action="/conversations/bulk" id="bulk" class="bulk">
      <FilterFields filter={props.filter} />
      <label for="bulk-action">With</label>
      <select id="bulk-action" name="action">
        {props.actions.map((action) => (
          <option value={action}>{BULK_LABELS[action]}</option>
        ))}
      </select>
      <label class="check">
        <input type="radio" name="scope" value="selected" checked /> the selected rows
      </label>
      <label class="check">
        <input type="radio" name="scope" value="filter" /> everything matching this filter
      </label>
      <button type="submit">Continue…</button>
    </form>
  )
}

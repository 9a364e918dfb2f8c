import { CONVERSATION_STATUSES, type ConversationStatus } from '../../src/db/schema'
import { STATUS_LABELS } from '../format'

/** The conversation statuses as checkboxes (repeated `status` fields), for the filters that take them: the dashboard, coverage. */
export function StatusChecks(props: { checked?: readonly ConversationStatus[]; class?: string }) {
  const checked = new Set(props.checked ?? [])
  return (
    <fieldset class={props.class}>
      <legend>Status</legend>
      {CONVERSATION_STATUSES.map((status) => (
        <label class="check">
          <input type="checkbox" name="status" value={status} checked={checked.has(status)} /> {STATUS_LABELS[status]}
        </label>
      ))}
    </fieldset>
  )
}

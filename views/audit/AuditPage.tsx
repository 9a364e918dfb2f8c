import { type AuditEntry, type AuditQuery, diff } from '../../src/audit/changes'
import { CONFIG_CHANGE_TYPES } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import { DateRangeFields } from '../DateRangeFields'
import { FormError } from '../Field'
import { when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { SettingsNav } from '../settings/SettingsNav'
import { Table } from '../Table'

const TYPE_LABELS: Record<(typeof CONFIG_CHANGE_TYPES)[number], string> = {
  preferences: 'Preferences',
  ai_settings: 'AI settings',
  review_settings: 'Review settings',
  user: 'Users',
  api_token: 'API tokens',
  retention: 'Retention',
}

type Props = {
  ctx: PageContext
  query: AuditQuery
  items: AuditEntry[]
  nextCursor: string | null
  users: { id: string; email: string }[]
  /** Types whose changes can be rolled back from here. */
  rollbackable: readonly string[]
  notice?: string
  error?: string
}

export function AuditPage(props: Props) {
  const { query } = props
  const next = new URLSearchParams(
    Object.entries({ ...query, cursor: props.nextCursor ?? '' }).filter(([, v]) => v !== undefined && v !== '') as [string, string][],
  )
  return (
    <Layout ctx={props.ctx} title="Audit trail">
      <SettingsNav ctx={props.ctx} />
      <h1>Audit trail</h1>
      <Notice message={props.notice} />
      <FormError message={props.error} />
      <form method="get" action="/admin/audit" class="filters">
        <label>
          Type
          <select name="type">
            <option value="">Every type</option>
            {CONFIG_CHANGE_TYPES.map((t) => (
              <option value={t} selected={query.type === t}>
                {TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Changed by
          <select name="user_id">
            <option value="">Anyone</option>
            {props.users.map((u) => (
              <option value={u.id} selected={query.user_id === u.id}>
                {u.email}
              </option>
            ))}
          </select>
        </label>
        <DateRangeFields from={query.from} to={query.to} />
        <button type="submit">Filter</button>
      </form>
      {props.items.length === 0 ? (
        <p class="muted">No changes match.</p>
      ) : (
        <ol class="audit">
          {props.items.map((change) => (
            <li class="card">
              <p>
                <strong>{change.summary}</strong> <span class="pill">{TYPE_LABELS[change.type]}</span> by {change.user_email ?? 'a deleted user'},{' '}
                {when(change.created_at)}
                {change.rolled_back_from && <span class="muted"> (a rollback)</span>}
              </p>
              <ChangeDiff before={change.old_value} after={change.new_value} />
              {props.rollbackable.includes(change.type) && change.old_value !== null && change.subject_id === null && (
                <form method="post" action={`/admin/audit/${change.id}/rollback`} class="inline">
                  <button type="submit">Roll back to the old values</button>
                </form>
              )}
            </li>
          ))}
        </ol>
      )}
      {props.nextCursor && (
        <p>
          <a href={`/admin/audit?${next.toString()}`}>Older changes</a>
        </p>
      )}
    </Layout>
  )
}

function ChangeDiff(props: { before: unknown; after: unknown }) {
  const rows = diff(props.before, props.after)
  if (rows.length === 0) return <p class="muted">No values changed.</p>
  return (
    <Table wrap class="diff" head={['Field', 'Before', 'After']}>
      {rows.map((row) => (
        <tr>
          <td>
            <code>{row.field}</code>
          </td>
          <td class="before">{row.before}</td>
          <td class="after">{row.after}</td>
        </tr>
      ))}
    </Table>
  )
}

import type { PageContext } from '../../src/http/page-context'
import type { Retention } from '../../src/settings/retention'
import { Field, FormError } from '../Field'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { SettingsNav } from './SettingsNav'

const text = (v: unknown) => (typeof v === 'string' ? v : undefined)

/** Admin form: how many days the error log and the backups taken before destructive actions are kept. */
export function RetentionSettingsPage(props: {
  ctx: PageContext
  retention: Retention
  values?: Record<string, unknown>
  fields?: Record<string, string>
  error?: string
  notice?: string
}) {
  const { retention, values, fields = {} } = props
  return (
    <Layout ctx={props.ctx} title="Retention">
      <SettingsNav ctx={props.ctx} />
      <h1>Retention</h1>
      <Notice message={props.notice} />
      <FormError message={Object.keys(fields).length ? 'Some settings are not valid; see below.' : props.error} />
      <form method="post" action="/settings/retention" class="card">
        <Field
          name="error_log_days"
          label="Keep the error log for (days, 1 to 3650)"
          type="number"
          value={text(values?.error_log_days) ?? String(retention.error_log_days)}
          error={fields.error_log_days}
          required
        />
        <Field
          name="backup_days"
          label="Keep backups for (days, 1 to 365)"
          type="number"
          value={text(values?.backup_days) ?? String(retention.backup_days)}
          error={fields.backup_days}
          required
        />
        <p class="muted">
          A new backup is kept this long; backups already taken keep their expiry (see <a href="/backups">Backups</a>). Each change is recorded in the audit
          trail.
        </p>
        <button type="submit" class="primary">
          Save
        </button>
      </form>
    </Layout>
  )
}

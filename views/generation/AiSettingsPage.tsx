import type { AiSettings, AiSettingsChangeRow } from '../../src/generation/ai-settings'
import type { PageContext } from '../../src/http/page-context'
import { Field, FormError } from '../Field'
import { Layout } from '../Layout'
import { SettingsNav } from '../settings/SettingsNav'
import { when } from './format'

const FIELDS = [
  ['model', 'Model'],
  ['max_tokens', 'Max tokens per call'],
  ['temperature', 'Temperature (0–1)'],
  ['requests_per_minute', 'Requests per minute (all workers together)'],
  ['max_concurrency', 'Calls at once (all workers together)'],
  ['max_retries', 'Retries after a transient error'],
  ['timeout_ms', 'Timeout per call (ms)'],
  ['max_batch_size', 'Largest batch (conversations)'],
] as const

/** The active AI configuration (admins can change it) and every past change with who made it. */
export function AiSettingsPage(props: { ctx: PageContext; current: AiSettings; history: AiSettingsChangeRow[]; canChange: boolean; fields?: Record<string, string>; notice?: string }) {
  return (
    <Layout ctx={props.ctx} title="AI settings">
      <SettingsNav ctx={props.ctx} />
      <h1>AI settings</h1>
      <p>Workers pick up a change within a few seconds.</p>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <FormError message={props.fields ? 'Some values are not valid.' : undefined} />
      <form method="post" action="/settings/ai" class="card">
        {FIELDS.map(([name, label]) =>
          props.canChange ? (
            <Field name={name} label={label} value={String(props.current[name])} error={props.fields?.[name]} />
          ) : (
            <p>
              {label}: <strong>{String(props.current[name])}</strong>
            </p>
          ),
        )}
        {props.canChange && (
          <button type="submit" class="primary">
            Save
          </button>
        )}
      </form>
      <h2>History</h2>
      <table class="table">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Model</th>
            <th>Max tokens</th>
            <th>Rate / min</th>
            <th>At once</th>
            <th>Retries</th>
            <th>Max batch</th>
          </tr>
        </thead>
        <tbody>
          {props.history.map((row) => (
            <tr>
              <td>{when(row.created_at)}</td>
              <td>{row.created_by_email ?? 'default'}</td>
              <td>{row.model}</td>
              <td>{row.max_tokens}</td>
              <td>{row.requests_per_minute}</td>
              <td>{row.max_concurrency}</td>
              <td>{row.max_retries}</td>
              <td>{row.max_batch_size}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  )
}

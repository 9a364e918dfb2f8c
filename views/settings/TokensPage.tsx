import type { TokenSummary } from '../../src/auth/tokens'
import type { PageContext } from '../../src/http/page-context'
import { Field, FormError } from '../Field'
import { Layout } from '../Layout'
import { SettingsNav } from './SettingsNav'

function when(date: Date | null): string {
  return date ? date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'never'
}

export function TokensPage(props: {
  ctx: PageContext
  tokens: TokenSummary[]
  /** Tokens made by this session and not yet seen: shown this once. */
  created?: { name: string; token: string }[]
  error?: string
  fields?: Record<string, string>
}) {
  return (
    <Layout ctx={props.ctx} title="API tokens">
      <SettingsNav ctx={props.ctx} />
      <h1>API tokens</h1>
      <p>
        Scripts and internal portals send a token as <code>Authorization: Bearer …</code> (or a form field named{' '}
        <code>api_token</code>). A token acts as you, with your role; a read-only token can only read.
      </p>
      {props.created?.map((created, i) => (
        <section class="notice" role="status">
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it will not be shown again.
          </p>
          <pre class="secret" id={i === 0 ? 'new-token' : undefined}>
            {created.token}
          </pre>
        </section>
      ))}
      <FormError message={props.error} />
      <table class="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Token</th>
            <th>Scope</th>
            <th>Created</th>
            <th>Last used</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {props.tokens.length === 0 && (
            <tr>
              <td colspan={6} class="muted">
                No tokens yet.
              </td>
            </tr>
          )}
          {props.tokens.map((token) => (
            <tr>
              <td>{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>{token.scope}</td>
              <td>{when(token.created_at)}</td>
              <td>{when(token.last_used_at)}</td>
              <td>
                {token.revoked_at ? (
                  <span class="pill bad">revoked</span>
                ) : (
                  <form method="post" action={`/settings/tokens/${token.id}/revoke`} class="inline">
                    <button type="submit">Revoke</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <section class="card">
        <h2>New token</h2>
        <form method="post" action="/settings/tokens">
          <Field name="name" label="Name (what will use it)" error={props.fields?.name} required />
          <div class="field">
            <label for="f-scope">Scope</label>
            <select name="scope" id="f-scope">
              <option value="write">read and write</option>
              <option value="read">read only</option>
            </select>
          </div>
          <button type="submit" class="primary">
            Create token
          </button>
        </form>
      </section>
    </Layout>
  )
}

import type { TokenSummary } from '../../src/auth/tokens'
import type { PageContext } from '../../src/http/page-context'
import { CopyField, Field, FormError } from '../Field'
import { Layout } from '../Layout'
import { SettingsNav } from './SettingsNav'
import { TokenTable } from './TokenTable'

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
        Scripts and internal portals send a token as <code>Authorization: Bearer …</code> (or a form field named <code>api_token</code>). A token acts as you,
        with your role; a read-only token can only read.
      </p>
      {props.created?.map((created, i) => (
        <section class="notice" role="status">
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it will not be shown again.
          </p>
          <CopyField id={i === 0 ? 'new-token' : `new-token-${i + 1}`} label={`Token ${created.name}`} value={created.token} />
        </section>
      ))}
      <FormError message={props.error} />
      <TokenTable tokens={props.tokens} revokeAction={(id) => `/settings/tokens/${id}/revoke`} empty="No tokens yet." />
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

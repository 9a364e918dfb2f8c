import { ROLE_DESCRIPTIONS } from '../../src/auth/roles'
import type { OwnedTokenSummary } from '../../src/auth/tokens'
import type { PublicUser } from '../../src/auth/users'
import { ROLES } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import { Field, FormError, NewPasswordField } from '../Field'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Table } from '../Table'
import { SettingsNav } from './SettingsNav'
import { TokenTable } from './TokenTable'

export type NewUserValues = { email?: string; name?: string; role?: string }

function RoleSelect(props: { name: string; value?: string; id?: string; compact?: boolean; label?: string }) {
  return (
    <select name={props.name} id={props.id} aria-label={props.label}>
      {ROLES.map((role) => (
        <option value={role} selected={role === (props.value ?? 'viewer')} title={ROLE_DESCRIPTIONS[role]}>
          {props.compact ? role : `${role} — ${ROLE_DESCRIPTIONS[role]}`}
        </option>
      ))}
    </select>
  )
}

export function UsersPage(props: {
  ctx: PageContext
  users: PublicUser[]
  /** Every user's tokens; the live ones are listed, each with a way to revoke it. */
  tokens: OwnedTokenSummary[]
  notice?: string
  error?: string
  values?: NewUserValues
  fields?: Record<string, string>
}) {
  return (
    <Layout ctx={props.ctx} title="Users">
      <SettingsNav ctx={props.ctx} />
      <h1>Users</h1>
      <Notice message={props.notice} />
      <FormError message={props.error} />
      <Table head={['Email', 'Name', 'Role', 'Status', 'Password']} wrap>
        {props.users.map((user) => (
          <tr data-user={user.email}>
            <td>{user.email}</td>
            <td>{user.name}</td>
            <td>
              <form method="post" action={`/settings/users/${user.id}`} class="inline">
                <RoleSelect name="role" value={user.role} compact label={`Role of ${user.email}`} />
                <button type="submit">Save role</button>
              </form>
            </td>
            <td>
              <form method="post" action={`/settings/users/${user.id}`} class="inline">
                <input type="hidden" name="disabled" value={user.disabled_at ? 'false' : 'true'} />
                {user.disabled_at ? <span class="pill bad">disabled</span> : <span class="pill good">active</span>}{' '}
                <button type="submit">{user.disabled_at ? 'Enable' : 'Disable'}</button>
              </form>
            </td>
            <td>
              <form method="post" action={`/settings/users/${user.id}`} class="inline">
                <input
                  type="password"
                  name="password"
                  placeholder="New password"
                  minlength={8}
                  required
                  autocomplete="new-password"
                  aria-label={`New password for ${user.email}`}
                />
                <button type="submit">Reset</button>
              </form>
            </td>
          </tr>
        ))}
      </Table>

      <LiveTokens tokens={props.tokens.filter((token) => !token.revoked_at)} />

      <section class="card">
        <h2>Add a user</h2>
        <form method="post" action="/settings/users">
          <Field name="email" label="Email" type="email" value={props.values?.email} error={props.fields?.email} required />
          <Field name="name" label="Name" value={props.values?.name} error={props.fields?.name} />
          <div class="field">
            <label for="new-role">Role</label>
            <RoleSelect name="role" id="new-role" value={props.values?.role} />
            {props.fields?.role && <p class="field-error">{props.fields.role}</p>}
          </div>
          <NewPasswordField label="Initial password (at least 8 characters)" error={props.fields?.password} />
          <button type="submit" class="primary">
            Add user
          </button>
        </form>
      </section>
    </Layout>
  )
}

function LiveTokens(props: { tokens: OwnedTokenSummary[] }) {
  return (
    <section>
      <h2>API tokens</h2>
      <p class="muted">Every user’s live tokens. Resetting a user’s password revokes all of theirs.</p>
      <TokenTable tokens={props.tokens} owners revokeAction={(id) => `/settings/users/tokens/${id}/revoke`} empty="No live tokens." />
    </section>
  )
}

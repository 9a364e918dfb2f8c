import type { OwnedTokenSummary, TokenSummary } from '../../src/auth/tokens'
import { when } from '../format'

/**
 * API tokens as a table with a revoke button each: a user's own (settings), or every user's with
 * their owner (administrators, on the users page). Revoked tokens stay listed, marked.
 */
export function TokenTable(props: { tokens: (TokenSummary | OwnedTokenSummary)[]; revokeAction: (id: string) => string; empty: string; owners?: boolean }) {
  const columns = props.owners ? 7 : 6
  return (
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            {props.owners && <th>Owner</th>}
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
              <td colspan={columns} class="muted">
                {props.empty}
              </td>
            </tr>
          )}
          {props.tokens.map((token) => (
            <tr data-token={token.id}>
              {props.owners && <td>{'user_email' in token ? token.user_email : ''}</td>}
              <td>{token.name}</td>
              <td>
                <code>{token.prefix}…</code>
              </td>
              <td>{token.scope}</td>
              <td>{when(token.created_at)}</td>
              <td>{token.last_used_at ? when(token.last_used_at) : 'never'}</td>
              <td>
                {token.revoked_at ? (
                  <span class="pill bad">revoked</span>
                ) : (
                  <form method="post" action={props.revokeAction(token.id)} class="inline">
                    <button type="submit">Revoke</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

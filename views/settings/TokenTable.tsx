import type { OwnedTokenSummary, TokenSummary } from '../../src/auth/tokens'
import { when } from '../format'
import { Table } from '../Table'

/**
 * API tokens as a table with a revoke button each: a user's own (settings), or every user's with
 * their owner (administrators, on the users page). Revoked tokens stay listed, marked.
 */
export function TokenTable(props: { tokens: (TokenSummary | OwnedTokenSummary)[]; revokeAction: (id: string) => string; empty: string; owners?: boolean }) {
  return (
    <Table head={[props.owners && 'Owner', 'Name', 'Token', 'Scope', 'Created', 'Last used', '']} empty={props.tokens.length === 0 && props.empty} wrap>
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
              <form method="post" action={props.revokeAction(token.id)} hx-post={props.revokeAction(token.id)} class="inline">
                <button type="submit">Revoke</button>
              </form>
            )}
          </td>
        </tr>
      ))}
    </Table>
  )
}

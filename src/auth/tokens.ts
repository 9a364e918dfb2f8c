import type { Kysely } from 'kysely'
import { recordChange } from '../audit/changes'
import type { DB, TokenScope } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { preferencesFrom } from '../preferences/schema'
import { digest, newSecret } from './secrets'
import type { SessionUser } from './sessions'

const TOKEN_PREFIX = 'td_'
const TOUCH_AFTER_MS = 60_000

export type TokenSummary = {
  id: string
  name: string
  prefix: string
  scope: TokenScope
  created_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
}

/** Creates a token for a user; the plain token is returned here once and never stored. */
export async function createApiToken(db: Kysely<DB>, userId: string, input: { name: string; scope: TokenScope }): Promise<{ id: string; token: string }> {
  const token = TOKEN_PREFIX + newSecret()
  const prefix = token.slice(0, TOKEN_PREFIX.length + 6)
  return inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('api_tokens')
      .values({ user_id: userId, name: input.name.trim(), scope: input.scope, token_hash: digest(token), prefix })
      .returning('id')
      .executeTakeFirstOrThrow()
    // The audit trail names the token by its visible prefix; the secret itself is never recorded.
    const after = { name: input.name.trim(), scope: input.scope, prefix, owner: userId }
    await recordChange(trx, { type: 'api_token', subjectId: row.id, summary: `API token "${after.name}" created`, userId, before: null, after })
    return { id: row.id, token }
  })
}

export async function listApiTokens(db: Kysely<DB>, userId: string): Promise<TokenSummary[]> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'scope', 'created_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

export type OwnedTokenSummary = TokenSummary & { user_id: string; user_email: string }

/** Every user's tokens with their owner, for administrators. */
export async function listAllApiTokens(db: Kysely<DB>): Promise<OwnedTokenSummary[]> {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.prefix',
      'api_tokens.scope',
      'api_tokens.created_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
      'api_tokens.user_id',
      'users.email as user_email',
    ])
    .orderBy('api_tokens.created_at', 'desc')
    .orderBy('api_tokens.id', 'desc')
    .execute()
}

/**
 * Revokes a live token: one of `userId`'s own, or anyone's when `userId` is undefined (an
 * administrator); false when there is no such live token.
 */
export async function revokeApiToken(db: Kysely<DB>, userId: string | undefined, tokenId: string, actorId: string | null = userId ?? null): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    let query = trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', tokenId).where('revoked_at', 'is', null)
    if (userId !== undefined) query = query.where('user_id', '=', userId)
    const revoked = await query.returning(['name', 'scope', 'prefix', 'user_id']).executeTakeFirst()
    if (!revoked) return false
    const before = { name: revoked.name, scope: revoked.scope, prefix: revoked.prefix, owner: revoked.user_id }
    await recordChange(trx, { type: 'api_token', subjectId: tokenId, summary: `API token "${revoked.name}" revoked`, userId: actorId, before, after: null })
    return true
  })
}

/** The enabled user behind a live token, with the token's scope. */
export async function findTokenUser(db: Kysely<DB>, token: string): Promise<{ user: SessionUser; scope: TokenScope } | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .leftJoin('user_preferences', 'user_preferences.user_id', 'users.id')
    .select([
      'users.id',
      'users.email',
      'users.name',
      'users.role',
      'api_tokens.id as token_id',
      'api_tokens.scope',
      'api_tokens.last_used_at',
      'user_preferences.settings',
    ])
    .where('api_tokens.token_hash', '=', digest(token))
    .where('api_tokens.revoked_at', 'is', null)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > TOUCH_AFTER_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.token_id).execute()
  }
  const user = { id: row.id, email: row.email, name: row.name, role: row.role, preferences: preferencesFrom(row.settings) }
  return { user, scope: row.scope }
}

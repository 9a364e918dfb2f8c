import { type Kysely, sql } from 'kysely'
import type { DB, Role } from '../db/schema'
import { type Preferences, preferencesFrom } from '../preferences/schema'
import { digest, newSecret } from './secrets'

/** Who is signed in; `preferences` comes with the session lookup itself (no second query per page). */
export type SessionUser = { id: string; email: string; name: string; role: Role; preferences?: Preferences; unread?: number }

const TOUCH_AFTER_MS = 60_000

/** Starts a session and returns the cookie value; only its digest is stored. */
export async function createSession(db: Kysely<DB>, userId: string, ttlMs: number, meta: { ip: string | null; userAgent: string | null }): Promise<string> {
  const secret = newSecret()
  await db
    .insertInto('sessions')
    .values({
      id: digest(secret),
      user_id: userId,
      expires_at: new Date(Date.now() + ttlMs),
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    })
    .execute()
  return secret
}

/** The user behind a live session of an enabled account, or undefined. Extends the session as it is used. */
export async function findSessionUser(db: Kysely<DB>, secret: string, ttlMs: number): Promise<SessionUser | undefined> {
  const id = digest(secret)
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('user_preferences', 'user_preferences.user_id', 'users.id')
    .select(['users.id', 'users.email', 'users.name', 'users.role', 'sessions.last_seen_at', 'user_preferences.settings'])
    // The header's unread count comes with the session too (a partial index of unread rows answers it).
    .select(sql<number>`(select count(*)::int from notifications n where n.user_id = users.id and n.read_at is null)`.as('unread'))
    .where('sessions.id', '=', id)
    .where('sessions.expires_at', '>', new Date())
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst()
  if (!row) return undefined
  // Writing on every request would make every page view a write; once a minute is enough.
  if (Date.now() - row.last_seen_at.getTime() > TOUCH_AFTER_MS) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(), expires_at: new Date(Date.now() + ttlMs) })
      .where('id', '=', id)
      .execute()
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role, preferences: preferencesFrom(row.settings), unread: row.unread }
}

export async function deleteSession(db: Kysely<DB>, secret: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', digest(secret)).execute()
}

export async function deleteExpiredSessions(db: Kysely<DB>): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', new Date()).executeTakeFirst()
  return Number(result.numDeletedRows)
}

import { type Kysely, sql } from 'kysely'
import { recordChange } from '../audit/changes'
import type { DB, Role, User } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { Conflict } from '../errors'
import { hashPassword } from './passwords'

export type PublicUser = Pick<User, 'id' | 'email' | 'name' | 'role' | 'disabled_at' | 'created_at'>
const publicColumns = ['id', 'email', 'name', 'role', 'disabled_at', 'created_at'] as const

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst()
}

export async function findUserById(db: Kysely<DB>, id: string): Promise<PublicUser | undefined> {
  return db.selectFrom('users').select(publicColumns).where('id', '=', id).executeTakeFirst()
}

export async function listUsers(db: Kysely<DB>): Promise<PublicUser[]> {
  return db.selectFrom('users').select(publicColumns).orderBy('created_at').orderBy('id').execute()
}

export async function countUsers(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return row.n
}

export type NewUserInput = { email: string; name?: string; role: Role; password: string }

/** Inserts a user (recorded in the audit trail, by `actorId` when an admin added them); undefined when the email is taken (case-insensitively). */
export async function insertUser(db: Kysely<DB>, input: NewUserInput, actorId: string | null = null): Promise<PublicUser | undefined> {
  const password_hash = await hashPassword(input.password)
  return inTransaction(db, async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({ email: input.email.trim(), name: input.name?.trim() ?? '', role: input.role, password_hash })
      .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
      .returning(publicColumns)
      .executeTakeFirst()
    if (user) {
      const after = { email: user.email, name: user.name, role: user.role }
      await recordChange(trx, { type: 'user', subjectId: user.id, summary: `User ${user.email} added`, userId: actorId ?? user.id, before: null, after })
    }
    return user
  })
}

/**
 * Creates the first admin only while there are no users at all. The advisory lock makes two
 * concurrent setups (two tabs, two processes) produce one admin, not two.
 */
export async function insertFirstAdmin(db: Kysely<DB>, input: Omit<NewUserInput, 'role'>): Promise<PublicUser | undefined> {
  return inTransaction(db, async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('train-data:first-admin'))`.execute(trx)
    if ((await countUsers(trx)) > 0) return undefined
    return insertUser(trx, { ...input, role: 'admin' })
  })
}

export type UserChange = { role?: Role; name?: string; disabled?: boolean; password?: string }

/** Changes a user, recorded in the audit trail by `actorId` (a new password shows as "reset", never its value). */
export async function updateUser(db: Kysely<DB>, id: string, change: UserChange, actorId: string | null = null): Promise<PublicUser | undefined> {
  return inTransaction(db, async (trx) => {
    if ((change.role && change.role !== 'admin') || change.disabled) await keepOneAdmin(trx, id)
    const before = await trx.selectFrom('users').select(['email', 'name', 'role', 'disabled_at']).where('id', '=', id).executeTakeFirst()
    const updated = await trx
      .updateTable('users')
      .set({
        updated_at: new Date(),
        ...(change.role && { role: change.role }),
        ...(change.name !== undefined && { name: change.name.trim() }),
        ...(change.disabled !== undefined && { disabled_at: change.disabled ? new Date() : null }),
        ...(change.password && { password_hash: await hashPassword(change.password) }),
      })
      .where('id', '=', id)
      .returning(publicColumns)
      .executeTakeFirst()
    // A disabled account or a reset password ends every open session of that user; a reset
    // password also revokes their API tokens, which may have leaked with the old one.
    if (updated && (change.disabled || change.password)) {
      await trx.deleteFrom('sessions').where('user_id', '=', id).execute()
    }
    if (updated && change.password) {
      await trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_id', '=', id).where('revoked_at', 'is', null).execute()
    }
    if (updated && before) {
      const audited = (u: { name: string; role: string; disabled: boolean }, password?: string) => ({ ...u, ...(password && { password }) })
      await recordChange(trx, {
        type: 'user',
        subjectId: id,
        summary: `User ${before.email} changed`,
        userId: actorId,
        before: audited({ name: before.name, role: before.role, disabled: before.disabled_at !== null }, change.password && 'unchanged'),
        after: audited({ name: updated.name, role: updated.role, disabled: updated.disabled_at !== null }, change.password && 'reset'),
      })
    }
    return updated
  })
}

/** Demoting or disabling the last active admin would lock everyone out of administration. */
async function keepOneAdmin(trx: Kysely<DB>, id: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('train-data:admins'))`.execute(trx)
  const admins = await trx.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled_at', 'is', null).execute()
  if (admins.length === 1 && admins[0]?.id === id) {
    throw new Conflict('This is the only active admin: make another user admin first.')
  }
}

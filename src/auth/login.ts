import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { Forbidden, TooManyRequests, Unauthorized } from '../errors'
import { DUMMY_HASH, verifyPassword } from './passwords'
import type { SessionUser } from './sessions'
import { findUserByEmail } from './users'
import { clearLoginFailures, lockedForSeconds, loginThrottleKeys, recordLoginFailure } from './throttle'

/** Checks a sign-in attempt; throws with a sentence for the person when it must be refused. */
export async function authenticatePassword(
  db: Kysely<DB>,
  input: { email: string; password: string; ip: string | null },
): Promise<SessionUser> {
  const keys = loginThrottleKeys(input.email, input.ip)
  const locked = await lockedForSeconds(db, keys)
  if (locked > 0) {
    throw new TooManyRequests(
      `Too many failed sign-ins. Try again in ${Math.ceil(locked / 60)} minute${locked > 60 ? 's' : ''}.`,
      locked,
    )
  }
  const user = await findUserByEmail(db, input.email)
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH)
  if (!user || !ok) {
    await recordLoginFailure(db, keys)
    throw new Unauthorized('Email or password is incorrect.')
  }
  if (user.disabled_at) throw new Forbidden('This account is disabled. Ask an administrator to enable it.')
  await clearLoginFailures(db, keys.filter((k) => k.rule === 'account'))
  return { id: user.id, email: user.email, name: user.name, role: user.role }
}

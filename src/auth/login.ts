import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { Forbidden, TooManyRequests, Unauthorized } from '../errors'
import { DUMMY_HASH, verifyPassword } from './passwords'
import type { SessionUser } from './sessions'
import { clearLoginFailures, lockedForSeconds, loginThrottleKeys, recordLoginFailure } from './throttle'
import { findUserByEmail } from './users'

function tooMany(seconds: number): TooManyRequests {
  return new TooManyRequests(`Too many failed sign-ins. Try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}.`, seconds)
}

/**
 * Checks a sign-in attempt; throws with a sentence for the person when it must be refused. A locked
 * account is refused outright. A locked address only refuses wrong passwords: many people can share
 * one address (an office, a load balancer), so guesses from it must not lock out its users.
 */
export async function authenticatePassword(db: Kysely<DB>, input: { email: string; password: string; ip: string | null }): Promise<SessionUser> {
  const keys = loginThrottleKeys(input.email, input.ip)
  const locked = await lockedForSeconds(db, keys)
  if (locked.account > 0) throw tooMany(locked.account)
  const user = await findUserByEmail(db, input.email)
  const ok = await verifyPassword(input.password, user?.password_hash ?? DUMMY_HASH)
  if (!user || !ok) {
    await recordLoginFailure(db, keys)
    throw locked.address > 0 ? tooMany(locked.address) : new Unauthorized('Email or password is incorrect.')
  }
  if (user.disabled_at) throw new Forbidden('This account is disabled. Ask an administrator to enable it.')
  await clearLoginFailures(
    db,
    keys.filter((k) => k.rule === 'account'),
  )
  return { id: user.id, email: user.email, name: user.name, role: user.role }
}

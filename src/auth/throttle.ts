import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'

/** How many failures within the window lock a key, and for how long. */
export const THROTTLE_RULES = {
  account: { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  address: { maxFailures: 30, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
} as const

export type ThrottleKey = { key: string; rule: keyof typeof THROTTLE_RULES }

export function loginThrottleKeys(email: string, ip: string | null): ThrottleKey[] {
  const keys: ThrottleKey[] = [{ key: `account:${email.trim().toLowerCase()}`, rule: 'account' }]
  if (ip) keys.push({ key: `address:${ip}`, rule: 'address' })
  return keys
}

/** Seconds until each rule's locked keys open again (0 when none of that rule is locked), in one read. */
export async function lockedForSeconds(db: Kysely<DB>, keys: ThrottleKey[]): Promise<Record<ThrottleKey['rule'], number>> {
  const rows = await db
    .selectFrom('login_throttle')
    .select(['key', 'locked_until'])
    .where(
      'key',
      'in',
      keys.map((k) => k.key),
    )
    .where('locked_until', '>', new Date())
    .execute()
  const locked = { account: 0, address: 0 }
  for (const row of rows) {
    const rule = keys.find((k) => k.key === row.key)?.rule
    const seconds = Math.ceil(((row.locked_until?.getTime() ?? 0) - Date.now()) / 1000)
    if (rule) locked[rule] = Math.max(locked[rule], seconds)
  }
  return locked
}

/** Counts a failure against each key in one statement per key, so concurrent attempts all count. */
export async function recordLoginFailure(db: Kysely<DB>, keys: ThrottleKey[]): Promise<void> {
  for (const { key, rule } of keys) {
    const { maxFailures, windowMs, lockMs } = THROTTLE_RULES[rule]
    const windowStart = new Date(Date.now() - windowMs)
    const lockUntil = new Date(Date.now() + lockMs)
    await db
      .insertInto('login_throttle')
      .values({ key, failures: 1, window_started_at: new Date(), locked_until: maxFailures <= 1 ? lockUntil : null })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          failures: sql`case when login_throttle.window_started_at < ${windowStart} then 1 else login_throttle.failures + 1 end`,
          window_started_at: sql`case when login_throttle.window_started_at < ${windowStart} then now() else login_throttle.window_started_at end`,
          locked_until: sql`case when login_throttle.window_started_at >= ${windowStart} and login_throttle.failures + 1 >= ${maxFailures} then ${lockUntil}::timestamptz else login_throttle.locked_until end`,
        }),
      )
      .execute()
  }
}

export async function clearLoginFailures(db: Kysely<DB>, keys: ThrottleKey[]): Promise<void> {
  await db
    .deleteFrom('login_throttle')
    .where(
      'key',
      'in',
      keys.map((k) => k.key),
    )
    .execute()
}

export async function deleteStaleThrottles(db: Kysely<DB>): Promise<number> {
  const cutoff = new Date(Date.now() - Math.max(...Object.values(THROTTLE_RULES).map((r) => r.windowMs + r.lockMs)))
  const result = await db
    .deleteFrom('login_throttle')
    .where('window_started_at', '<', cutoff)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', new Date())]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

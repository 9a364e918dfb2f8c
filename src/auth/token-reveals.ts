import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import { digest } from './secrets'

/**
 * Post/Redirect/Get for a token made on the tokens page: the new token waits here, keyed to the
 * session that made it, until the page after the redirect shows it once. It is sealed with a key
 * derived from the session's cookie secret, which only the browser holds, so the table alone
 * never gives a token away; an unseen token is dropped after a few minutes.
 */
const REVEAL_MINUTES = 10
const IV_BYTES = 12
const TAG_BYTES = 16

const keyFor = (sessionSecret: string) => createHash('sha256').update(`token-reveal:${sessionSecret}`).digest()

function seal(token: string, sessionSecret: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keyFor(sessionSecret), iv)
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
}

function unseal(sealed: string, sessionSecret: string): string {
  const bytes = Buffer.from(sealed, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', keyFor(sessionSecret), bytes.subarray(0, IV_BYTES))
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
}

export async function holdTokenReveal(db: Kysely<DB>, sessionSecret: string, tokenId: string, token: string): Promise<void> {
  await db
    .insertInto('token_reveals')
    .values({ token_id: tokenId, session_id: digest(sessionSecret), sealed: seal(token, sessionSecret) })
    .execute()
}

/** The tokens this session made and has not seen yet, each handed out once; stale ones of any session go too. */
export async function takeTokenReveals(db: Kysely<DB>, sessionSecret: string): Promise<{ token_id: string; token: string }[]> {
  const sessionId = digest(sessionSecret)
  const rows = await db
    .deleteFrom('token_reveals')
    .where((eb) => eb.or([eb('session_id', '=', sessionId), eb('created_at', '<', sql<Date>`now() - make_interval(mins => ${REVEAL_MINUTES})`)]))
    .returning(['token_id', 'session_id', 'sealed', sql<boolean>`created_at >= now() - make_interval(mins => ${REVEAL_MINUTES})`.as('fresh')])
    .execute()
  return rows.filter((row) => row.session_id === sessionId && row.fresh).map((row) => ({ token_id: row.token_id, token: unseal(row.sealed, sessionSecret) }))
}

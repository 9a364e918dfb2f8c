import { createHash, randomBytes } from 'node:crypto'

/** A random, URL-safe secret for cookies and API tokens. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/** Sessions and tokens are stored only as this digest: a copy of the table opens nothing. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex')
}

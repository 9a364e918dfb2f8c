import { createHash } from 'node:crypto'

/**
 * Whether a conversation goes to the validation file: a hash of its id and the seed, so the same
 * seed always splits the same way, whatever the order or the other conversations.
 */
export function isValidation(id: string, seed: string, percent: number): boolean {
  if (percent <= 0) return false
  const bucket = createHash('sha256').update(`${id}:${seed}`).digest().readUInt32BE(0) % 10_000
  return bucket < percent * 100
}

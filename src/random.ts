import { createHash } from 'node:crypto'

/**
 * A repeatable stream of numbers in [0, 1) (mulberry32), for everything that must look random but
 * give the same answer for the same input: the simulator, simulated analyses, seeded data. A text
 * seed is hashed first, so similar texts still get unrelated streams; number seeds spread well even
 * when they are 1, 2, 3…
 */
export function seededRandom(seed: number | string): () => number {
  let state = typeof seed === 'number' ? seed : createHash('sha256').update(seed).digest().readUInt32LE(0)
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

import { readdirSync } from 'node:fs'
import { expect, test } from 'vitest'
import { checkOrder, LAST_UNORDERED_MIGRATION } from '../src/db/migrate'

const ran = new Date('2026-12-01T00:00:00Z')

test('a pending migration that sorts before one already run is refused, naming both', () => {
  const migrations = [
    { name: `${LAST_UNORDERED_MIGRATION}`, executedAt: ran },
    { name: '2026_12_01_0900_late_branch' },
    { name: '2026_12_01_1000_landed', executedAt: ran },
  ]
  expect(() => checkOrder(migrations)).toThrow('Migration 2026_12_01_0900_late_branch sorts before 2026_12_01_1000_landed, which has already run')
})

test('pending migrations after everything that ran are applied; the frozen history may have run in any order', () => {
  expect(() =>
    checkOrder([
      { name: '2026_11_25_1100_generation' },
      { name: '2026_11_25_2100_review', executedAt: ran },
      { name: LAST_UNORDERED_MIGRATION, executedAt: ran },
      { name: '2026_12_01_0900_next' },
    ]),
  ).not.toThrow()
})

test('every migration file is named by the time it was written, and new ones come after the frozen history', () => {
  const names = readdirSync(new URL('../migrations', import.meta.url)).map((file) => file.replace(/\.ts$/, ''))
  for (const name of names) expect(name).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}_[a-z0-9_]+$/)
  expect(names).toContain(LAST_UNORDERED_MIGRATION)
})

import { afterAll, beforeAll, expect, test } from 'vitest'
import { grouped } from '../src/db/grouped'
import { createTestDatabase, type TestDatabase } from './helpers/db'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
})

afterAll(async () => {
  await database.drop()
})

test('calls made together go to the database as one group, answered in order', async () => {
  const groups: number[][] = []
  const double = grouped<number, number>(async (_db, inputs) => {
    groups.push(inputs)
    return inputs.map((n) => n * 2)
  })
  const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => double(database.db, n)))
  expect(answers).toEqual([2, 4, 6, 8, 10])
  expect(groups).toEqual([[1, 2, 3, 4, 5]])
  // A lone call goes at once, in a group of its own.
  expect(await double(database.db, 7)).toBe(14)
  expect(groups.at(-1)).toEqual([7])
})

test('calls that arrive while groups are in flight gather into the next group', async () => {
  const groups: number[][] = []
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  const echo = grouped<number, number>(
    async (_db, inputs) => {
      groups.push(inputs)
      if (groups.length === 1) await gate
      return inputs
    },
    { inFlight: 1 },
  )
  const first = echo(database.db, 0)
  await new Promise((resolve) => setTimeout(resolve, 10))
  const later = [1, 2, 3].map((n) => echo(database.db, n))
  await new Promise((resolve) => setTimeout(resolve, 10))
  expect(groups).toEqual([[0]])
  release()
  expect(await Promise.all([first, ...later])).toEqual([0, 1, 2, 3])
  expect(groups).toEqual([[0], [1, 2, 3]])
})

test('one input the database refuses fails alone; its neighbours are answered', async () => {
  const seen: number[][] = []
  const store = grouped<number, string>(async (_db, inputs) => {
    seen.push(inputs)
    if (inputs.includes(13)) throw new Error('refused 13')
    return inputs.map((n) => `stored ${n}`)
  })
  const results = await Promise.allSettled([11, 12, 13, 14].map((n) => store(database.db, n)))
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['stored 11', 'stored 12', 'refused 13', 'stored 14'])
  expect(seen).toEqual([[11, 12, 13, 14], [11], [12], [13], [14]])
})

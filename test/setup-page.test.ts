import { expect, test } from 'vitest'
import { type App, form, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App

useApp((t) => ({ database, app } = t))

test('while no user exists, every page leads to the one-time setup page', async () => {
  const home = await app.request('/')
  expect(home.headers.get('location')).toBe('/login')
  const login = await app.request('/login')
  expect(login.headers.get('location')).toBe('/setup')
  const setup = await app.request('/setup')
  expect(setup.status).toBe(200)
  expect(await setup.text()).toContain('Create administrator')
})

test('setup rejects a short password and creates nothing', async () => {
  const res = await app.request('/setup', form({ email: 'first@example.com', password: 'short' }))
  expect(res.status).toBe(400)
  expect(await res.text()).toContain('Use at least 8 characters')
  expect(await database.db.selectFrom('users').selectAll().execute()).toEqual([])
})

test('setup creates the first admin, signs them in, and then disappears', async () => {
  const res = await app.request('/setup', form({ name: 'Ada', email: 'first@example.com', password: 'first admin pw' }))
  expect(res.status).toBe(303)
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!
  const me = await app.request('/api/me', { headers: { cookie } })
  expect(await me.json()).toMatchObject({ email: 'first@example.com', role: 'admin', name: 'Ada' })

  const again = await app.request('/setup', form({ email: 'second@example.com', password: 'second admin pw' }))
  expect(again.status).toBe(303)
  expect(again.headers.get('location')).toBe('/login')
  expect((await app.request('/setup')).headers.get('location')).toBe('/login')
  const users = await database.db.selectFrom('users').select(['email', 'role']).execute()
  expect(users).toEqual([{ email: 'first@example.com', role: 'admin' }])
})

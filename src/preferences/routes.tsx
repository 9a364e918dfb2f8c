import { Hono } from 'hono'
import { PreferencesPage } from '../../views/settings/PreferencesPage'
import { signedInUser } from '../auth/middleware'
import { FILTER_KEYS } from '../conversations/filter'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { single } from '../http/params'
import { parseBody, parseInput, readBody } from '../http/respond'
import { preferencesFromForm } from './form'
import { changePreferences, readPreferences, resetPreferences } from './queries'
import { PreferencesChange } from './schema'

/** GET|PUT|DELETE /api/me/preferences: yours, any subset to change, DELETE for every default. */
export const preferencesApi = new Hono<AppEnv>()
preferencesApi.get('/', async (c) => c.json(await readPreferences(c.var.db, signedInUser(c).id)))
preferencesApi.put('/', async (c) => {
  const { after } = await changePreferences(c.var.db, signedInUser(c).id, await parseBody(c, PreferencesChange))
  return c.json(after)
})
preferencesApi.delete('/', async (c) => c.json((await resetPreferences(c.var.db, signedInUser(c).id)).after))

const DONE: Record<string, string> = {
  saved: 'Preferences saved.',
  reset: 'Every preference is back to its default.',
  filters: 'These filters now open the dashboard.',
}

/** /settings/preferences: the page, its form, reset, and "make these filters my default" from the dashboard. */
export const preferencesPages = new Hono<AppEnv>()
preferencesPages.get('/', async (c) => {
  const preferences = await readPreferences(c.var.db, signedInUser(c).id)
  return c.html(<PreferencesPage ctx={pageContext(c)} preferences={preferences} notice={doneNotice(c, DONE)} />)
})

preferencesPages.post('/', async (c) => {
  const user = signedInUser(c)
  const body = await readBody(c)
  rerenderOnError(c, async (problem) => (
    <PreferencesPage ctx={pageContext(c)} preferences={await readPreferences(c.var.db, user.id)} submitted={body} {...problem} />
  ))
  await changePreferences(c.var.db, user.id, parseInput(PreferencesChange, preferencesFromForm(body)))
  return c.redirect('/settings/preferences?done=saved', 303)
})

preferencesPages.post('/reset', async (c) => {
  await resetPreferences(c.var.db, signedInUser(c).id)
  return c.redirect('/settings/preferences?done=reset', 303)
})

/**
 * The dashboard's column chooser: the ticked columns (`columns`, none ticked is allowed: the title
 * stays) become the user's, and the dashboard opens again with its filters (`query`).
 */
preferencesPages.post('/dashboard-columns', async (c) => {
  const body = await readBody(c)
  const columns = body.columns === undefined ? [] : [body.columns].flat()
  await changePreferences(c.var.db, signedInUser(c).id, parseInput(PreferencesChange, { dashboard_columns: columns }))
  const query = single(body.query)
  const params = new URLSearchParams(typeof query === 'string' ? query : '')
  return c.redirect(params.size ? `/?${params}` : '/', 303)
})

/** The dashboard's current filters and order (its query string, posted as `query`) become the ones it opens with. */
preferencesPages.post('/default-filters', async (c) => {
  const query = single((await readBody(c)).query)
  const params = new URLSearchParams(typeof query === 'string' ? query : '')
  const filters = Object.fromEntries(FILTER_KEYS.filter((key) => params.has(key)).map((key) => [key, params.getAll(key)]))
  const sort = params.get('sort')
  const change = { default_filters: filters, ...(sort && { default_sort: sort }) }
  await changePreferences(c.var.db, signedInUser(c).id, parseInput(PreferencesChange, change))
  return c.redirect('/settings/preferences?done=filters', 303)
})

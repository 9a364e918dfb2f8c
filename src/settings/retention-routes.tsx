import { Hono } from 'hono'
import { RetentionSettingsPage } from '../../views/settings/RetentionSettingsPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { parseBody, readBody } from '../http/respond'
import { RetentionInput, readRetention, saveRetention } from './retention'

/** GET|PUT /api/settings/retention (administrators): how many days the error log and backups are kept. */
export const retentionApi = new Hono<AppEnv>()
retentionApi.use('*', requireCapability('admin'))

retentionApi.get('/', async (c) => c.json(await readRetention(c.var.db)))

retentionApi.put('/', async (c) => {
  const input = await parseBody(c, RetentionInput.strict())
  const user = signedInUser(c)
  const retention = await saveRetention(c.var.db, input, user.id)
  c.var.log.info({ actor: user.id, retention }, 'retention changed')
  return c.json(retention)
})

/** /settings/retention: the same as a form. */
export const retentionPages = new Hono<AppEnv>()
retentionPages.use('*', requireCapability('admin'))

retentionPages.get('/', async (c) => {
  const notice = doneNotice(c, { saved: 'Retention saved.' })
  return c.html(<RetentionSettingsPage ctx={pageContext(c)} retention={await readRetention(c.var.db)} notice={notice} />)
})

retentionPages.post('/', async (c) => {
  rerenderOnError(c, async (problem) => {
    const [retention, values] = await Promise.all([readRetention(c.var.db), readBody(c)])
    return <RetentionSettingsPage ctx={pageContext(c)} retention={retention} values={values} {...problem} />
  })
  const input = await parseBody(c, RetentionInput)
  await saveRetention(c.var.db, input, signedInUser(c).id)
  return c.redirect('/settings/retention?done=saved', 303)
})

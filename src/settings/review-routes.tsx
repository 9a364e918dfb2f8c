import { Hono } from 'hono'
import { ReviewSettingsPage } from '../../views/settings/ReviewSettingsPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { deleteDraft, formDraft } from '../drafts/drafts'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { parseBody, readBody, wantsJson } from '../http/respond'
import { activeReviewSettings, ReviewSettingsInput, saveReviewSettings } from '../review/settings'

/** /review/settings: the rejection reasons and auto-review thresholds (administrators only). */
export const reviewSettingsRoutes = new Hono<AppEnv>()
reviewSettingsRoutes.use('*', requireCapability('admin'))

reviewSettingsRoutes.get('/', async (c) => {
  const notice = doneNotice(c, { saved: 'Review settings saved.' })
  const draft = await formDraft(c, 'settings:review', { page: '/review/settings' })
  return c.html(
    <ReviewSettingsPage ctx={pageContext(c)} settings={await activeReviewSettings(c.var.db)} notice={notice} values={draft.restored} draft={draft.offer} />,
  )
})

reviewSettingsRoutes.post('/', async (c) => {
  rerenderOnError(c, async (problem) => {
    const [settings, values] = await Promise.all([activeReviewSettings(c.var.db), readBody(c)])
    return <ReviewSettingsPage ctx={pageContext(c)} settings={settings} values={values} {...problem} />
  })
  const input = await parseBody(c, ReviewSettingsInput)
  const user = signedInUser(c)
  const settings = await saveReviewSettings(c.var.db, input, user.id)
  await deleteDraft(c.var.db, user.id, 'settings:review')
  c.var.log.info({ actor: user.id, settings: input }, 'review settings changed')
  return wantsJson(c) ? c.json(settings) : c.redirect('/review/settings?done=saved', 303)
})

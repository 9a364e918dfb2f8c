import { Hono } from 'hono'
import { z } from 'zod'
import { QualityPage } from '../../views/review/QualityPage'
import { requireCapability } from '../auth/middleware'
import { readDateRange } from '../charts/date-range'
import { ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext, preferencesOf } from '../http/page-context'
import { wantsJson } from '../http/respond'
import { qualityCharts, rejectionReasons, templateQuality, weeklyTrend } from './quality-report'
import { activeReviewSettings } from './settings'

/**
 * GET /review/quality: how reviewers judge each template's conversations. Read by everyone signed
 * in, not only reviewers: editors fix the templates it points at, viewers follow the numbers.
 * Mounted before the reviewer-only /review app, which would otherwise answer 403 first.
 */
export const qualityRoutes = new Hono<AppEnv>()

qualityRoutes.get('/', requireCapability('view'), async (c) => {
  const templateId = z
    .uuid()
    .optional()
    .safeParse(c.req.query('template_id') || undefined)
  if (!templateId.success) throw new ValidationFailed('template_id must be a template id.', { template_id: 'must be a template id' })
  const zone = preferencesOf(c).timezone
  const range = readDateRange(c.req.query(), zone)
  const [quality, reasons, trend, charts, settings] = await Promise.all([
    templateQuality(c.var.db),
    rejectionReasons(c.var.db),
    weeklyTrend(c.var.db, { weeks: 12, zone, templateId: templateId.data }),
    qualityCharts(c.var.db, range, templateId.data),
    activeReviewSettings(c.var.db),
  ])
  if (wantsJson(c)) return c.json({ ...quality, reasons: { overall: reasons.overall, by_template: Object.fromEntries(reasons.byTemplate) }, trend, charts })
  return c.html(
    <QualityPage
      ctx={pageContext(c)}
      quality={quality}
      reasons={reasons}
      trend={trend}
      charts={charts}
      range={range}
      templateId={templateId.data}
      labels={settings.reasons}
    />,
  )
})

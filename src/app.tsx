import { Hono } from 'hono'
import { authApi } from './auth/api-routes'
import { authenticate, originCheck, requireCapability, requireUser } from './auth/middleware'
import { authRoutes } from './auth/routes'
import { conversationRoutes, conversationsApi, dashboardRoutes } from './conversations/routes'
import { exportPages, exportsApi } from './exports/routes'
import { healthRoutes } from './health/routes'
import type { AppEnv, Deps } from './http/env'
import { renderError, renderNotFound } from './http/errors'
import { compressResponses, limitBody, provide, requestLog, securityHeaders } from './http/middleware'
import { pageContext } from './http/page-context'
import { reviewApi } from './review/api-routes'
import { reviewRoutes } from './review/routes'
import { staticRoutes } from './http/static'
import { settingsRoutes } from './settings/routes'
import { templatesApi } from './templates/api-routes'
import { templateRoutes } from './templates/routes'
import { NotBuiltPage } from '../views/pages/NotBuiltPage'

/** Builds the whole HTTP app; `app.request()` in tests exercises exactly what the server runs. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use(provide(deps), requestLog, securityHeaders, compressResponses, limitBody(deps.config.maxBodyBytes))

  // Public: health probes, static files, sign-in and first-run setup.
  app.route('/', healthRoutes)
  app.route('/', staticRoutes)
  app.use(authenticate, originCheck)
  app.route('/', authRoutes)

  // Everything below needs a signed-in user (or an API token) with the right role.
  app.use(requireUser)
  app.route('/', dashboardRoutes)
  app.route('/conversations', conversationRoutes)
  app.route('/api/conversations', conversationsApi)
  app.route('/api', authApi)
  app.route('/api/exports', exportsApi)
  app.route('/exports', exportPages)
  app.route('/api', reviewApi)
  app.route('/review', reviewRoutes)
  app.route('/settings', settingsRoutes)
  app.route('/templates', templateRoutes)
  app.route('/api', templatesApi)
  for (const area of AREAS_NOT_BUILT) {
    app.get(area.path, requireCapability(area.needs), (c) =>
      c.html(<NotBuiltPage ctx={pageContext(c)} title={area.title} description={area.description} />),
    )
  }

  app.notFound(renderNotFound)
  app.onError(renderError)
  return app
}

const AREAS_NOT_BUILT = [
  { path: '/generate', title: 'Generate', needs: 'edit', description: 'Generate conversations one at a time or in batches, with a cost estimate first and live progress.' },
] as const

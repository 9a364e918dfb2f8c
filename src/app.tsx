import { Hono } from 'hono'
import { contextStorage } from 'hono/context-storage'
import { auditApi, auditPages } from './audit/routes'
import { authApi } from './auth/api-routes'
import { authenticate, originCheck, requireUser } from './auth/middleware'
import { authRoutes } from './auth/routes'
import { backupPages, backupsApi } from './backups/routes'
import { chunkPages, chunksApi } from './chunks/routes'
import { conversationRoutes, conversationsApi, dashboardRoutes } from './conversations/routes'
import { coverageRoutes } from './coverage/routes'
import type { Deps } from './deps'
import { documentsApi } from './documents/api-routes'
import { documentPages } from './documents/routes'
import { draftRoutes } from './drafts/routes'
import { errorDetailPages, errorLogPages, errorsApi } from './error-log/routes'
import { exportPages, exportsApi } from './exports/routes'
import { conversationGenerationRoutes } from './generation/conversation-routes'
import { batchApi, batchPages, generatePages } from './generation/routes'
import { healthApi, healthPages } from './health/admin-routes'
import { headerAlerts } from './health/header-alerts'
import { healthRoutes } from './health/routes'
import type { AppEnv } from './http/env'
import { renderError, renderNotFound } from './http/errors'
import { compressResponses, limitBody, provide, requestLog, securityHeaders } from './http/middleware'
import { staticRoutes } from './http/static'
import { refuseUnstorableText } from './http/storable-text'
import { notificationPages, notificationsApi } from './notifications/routes'
import { preferencesApi, preferencesPages } from './preferences/routes'
import { recoveryApi, recoveryPages } from './recovery/routes'
import { reviewApi } from './review/api-routes'
import { qualityRoutes } from './review/quality-routes'
import { reviewRoutes } from './review/routes'
import { aiSettingsApi } from './settings/ai-routes'
import { retentionApi } from './settings/retention-routes'
import { reviewSettingsRoutes } from './settings/review-routes'
import { settingsRoutes } from './settings/routes'
import { templatesApi } from './templates/api-routes'
import { templateRoutes } from './templates/routes'

/** Builds the whole HTTP app; `app.request()` in tests exercises exactly what the server runs. */
export function createApp(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  // contextStorage: views format times in the user's time zone without every component passing it down.
  app.use(contextStorage(), provide(deps), requestLog, securityHeaders, compressResponses, limitBody(deps.config), refuseUnstorableText)

  // Public: health probes, static files, sign-in and first-run setup.
  app.route('/', healthRoutes)
  app.route('/', staticRoutes)
  app.use(authenticate, originCheck)
  app.route('/', authRoutes)

  // Everything below needs a signed-in user (or an API token) with the right role.
  app.use(requireUser, headerAlerts)
  app.route('/', dashboardRoutes)
  app.route('/conversations', conversationGenerationRoutes)
  app.route('/conversations', conversationRoutes)
  app.route('/api/conversations', conversationsApi)
  app.route('/api', authApi)
  app.route('/api/exports', exportsApi)
  app.route('/exports', exportPages)
  app.route('/api/backups', backupsApi)
  app.route('/backups', backupPages)
  app.route('/api', reviewApi)
  // Before /review: the quality page is for every role, the settings for admins, the rest of /review for reviewers.
  app.route('/review/quality', qualityRoutes)
  app.route('/coverage', coverageRoutes)
  app.route('/review/settings', reviewSettingsRoutes)
  app.route('/review', reviewRoutes)
  app.route('/api/me/preferences', preferencesApi)
  app.route('/api/notifications', notificationsApi)
  app.route('/notifications', notificationPages)
  app.route('/settings/preferences', preferencesPages)
  app.route('/settings', settingsRoutes)
  app.route('/drafts', draftRoutes)
  app.route('/templates', templateRoutes)
  app.route('/api', templatesApi)
  app.route('/api/settings/ai', aiSettingsApi)
  app.route('/api/settings/retention', retentionApi)
  app.route('/api/batches', batchApi)
  app.route('/batches', batchPages)
  app.route('/generate', generatePages)
  app.route('/api/documents', documentsApi)
  app.route('/documents', documentPages)
  app.route('/api/chunks', chunksApi)
  app.route('/chunks', chunkPages)
  app.route('/api/admin/health', healthApi)
  app.route('/api/admin/audit', auditApi)
  app.route('/admin/audit', auditPages)
  app.route('/admin/health', healthPages)
  app.route('/api/admin/errors', errorsApi)
  app.route('/admin/errors', errorLogPages)
  app.route('/errors', errorDetailPages)
  app.route('/api/recovery', recoveryApi)
  app.route('/recovery', recoveryPages)

  app.notFound(renderNotFound)
  app.onError(renderError)
  return app
}

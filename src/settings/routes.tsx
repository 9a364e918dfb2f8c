import { Hono } from 'hono'
import type { AppEnv } from '../http/env'
import { aiSettingsPages } from './ai-routes'
import { retentionPages } from './retention-routes'
import { tokenRoutes } from './tokens-routes'
import { userRoutes } from './users-routes'

/**
 * /settings: a user's API tokens, the AI settings and (administrators) the users. The same area
 * serves GET|PUT /api/settings/ai (ai-routes) and /review/settings (review-routes), where clients know them.
 */
export const settingsRoutes = new Hono<AppEnv>()

settingsRoutes.get('/', (c) => c.redirect('/settings/tokens', 303))
settingsRoutes.route('/tokens', tokenRoutes)
settingsRoutes.route('/ai', aiSettingsPages)
settingsRoutes.route('/users', userRoutes)
settingsRoutes.route('/retention', retentionPages)

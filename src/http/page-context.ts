import type { Context } from 'hono'
import { type Capability, can } from '../auth/roles'
import type { SessionUser } from '../auth/sessions'
import type { Alert } from '../health/alerts'
import { DEFAULT_PREFERENCES, type Preferences } from '../preferences/schema'
import type { AppEnv } from './env'

/** What every page's layout needs to know about the request. */
export type PageContext = { user: SessionUser | null; path: string; simulated: boolean; alerts: Alert[]; preferences: Preferences }

/** The signed-in user's preferences, read with the session itself (defaults for anyone else). */
export function preferencesOf(c: Context<AppEnv>): Preferences {
  return c.var.user?.preferences ?? DEFAULT_PREFERENCES
}

export function pageContext(c: Context<AppEnv>): PageContext {
  const { user } = c.var
  return { user, path: c.req.path, simulated: !c.var.config.anthropicApiKey, alerts: c.var.alerts ?? [], preferences: preferencesOf(c) }
}

/** Whether the signed-in user may do this: pages show and hide by the same rules the routes enforce. */
export function userCan(ctx: PageContext, capability: Capability): boolean {
  return ctx.user !== null && can(ctx.user.role, capability)
}

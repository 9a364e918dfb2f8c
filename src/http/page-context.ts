import type { Context } from 'hono'
import { can, type Capability } from '../auth/roles'
import type { SessionUser } from '../auth/sessions'
import type { AppEnv } from './env'

/** What every page's layout needs to know about the request. */
export type PageContext = { user: SessionUser | null; path: string; simulated: boolean }

export function pageContext(c: Context<AppEnv>): PageContext {
  return { user: c.var.user, path: c.req.path, simulated: !c.var.config.anthropicApiKey }
}

/** Whether the signed-in user may do this: pages show and hide by the same rules the routes enforce. */
export function userCan(ctx: PageContext, capability: Capability): boolean {
  return ctx.user !== null && can(ctx.user.role, capability)
}

import type { Context, MiddlewareHandler } from 'hono'
import { requireCapability } from '../auth/middleware'
import { can } from '../auth/roles'
import type { AppEnv } from '../http/env'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
const readOnly = requireCapability('view')
const change = requireCapability('edit')

const FORM_PAGE = /\/(new|edit)$/

/** Reading (and previewing, which changes nothing) needs 'view'; writing, and the pages of forms to write, 'edit'. */
export const viewToReadEditToChange: MiddlewareHandler<AppEnv> = (c, next) => {
  const reads = SAFE_METHODS.has(c.req.method) ? !FORM_PAGE.test(c.req.path) : c.req.path.endsWith('/preview')
  return reads ? readOnly(c, next) : change(c, next)
}

export function canEdit(c: Context<AppEnv>): boolean {
  return c.var.user !== null && can(c.var.user.role, 'edit')
}

import { Hono } from 'hono'
import { ErrorDetailsPage } from '../../views/errors/ErrorDetailsPage'
import { ErrorLogPage } from '../../views/errors/ErrorLogPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { can } from '../auth/roles'
import { ERROR_CODES, isErrorCode } from '../error-codes'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext, preferencesOf } from '../http/page-context'
import { parseInput, wantsJson } from '../http/respond'
import { readRetention } from '../settings/retention'
import { ErrorQuery, findError, listErrors, REFERENCE } from './queries'

/** GET /api/admin/errors?code=&severity=&area=&from=&to=&q=&cursor= (DESIGN §8), admins only. */
export const errorsApi = new Hono<AppEnv>()
errorsApi.use(requireCapability('admin'))
errorsApi.get('/', async (c) => {
  const { items, next_cursor } = await listErrors(c.var.db, parseInput(ErrorQuery, c.req.queries()))
  return c.json({
    items: items.map((e) => ({
      id: e.id,
      reference: e.reference,
      code: e.code,
      severity: e.severity,
      area: e.area,
      message: e.message,
      context: e.context,
      created_at: e.created_at,
    })),
    next_cursor,
  })
})

/** /admin/errors: the same log, filterable, each entry linking to its details. */
export const errorLogPages = new Hono<AppEnv>()
errorLogPages.use(requireCapability('admin'))
errorLogPages.get('/', async (c) => {
  const asked = parseInput(ErrorQuery, c.req.queries())
  const query = { ...asked, limit: asked.limit ?? preferencesOf(c).rows_per_page }
  const [{ items, next_cursor }, retention] = await Promise.all([listErrors(c.var.db, query), readRetention(c.var.db)])
  return c.html(<ErrorLogPage ctx={pageContext(c)} query={query} items={items} nextCursor={next_cursor} keptDays={retention.error_log_days} />)
})

/**
 * /errors/:reference, for anyone signed in (the reference came with their error): what happened
 * and what to do; admins also see the message, the context and the stack.
 */
export const errorDetailPages = new Hono<AppEnv>()
errorDetailPages.get('/:reference', async (c) => {
  const reference = c.req.param('reference').trim().toUpperCase()
  const entry = REFERENCE.test(reference) ? await findError(c.var.db, reference) : undefined
  if (!entry) throw new NotFound('No error has this reference. Check it was copied whole; entries are kept for a limited time.')
  const admin = can(signedInUser(c).role, 'admin')
  const explained = isErrorCode(entry.code) ? ERROR_CODES[entry.code] : undefined
  if (wantsJson(c)) {
    return c.json({
      reference: entry.reference,
      code: entry.code,
      severity: entry.severity,
      area: entry.area,
      title: explained?.title ?? null,
      action: explained?.action ?? null,
      created_at: entry.created_at,
      ...(admin ? { message: entry.message, context: entry.context, stack: entry.stack } : {}),
    })
  }
  return c.html(<ErrorDetailsPage ctx={pageContext(c)} entry={entry} explained={explained} admin={admin} />)
})

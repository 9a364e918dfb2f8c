import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { requireCapability } from '../auth/middleware'
import { can } from '../auth/roles'
import { NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { readBody, wantsJson } from '../http/respond'
import { typedValues, typeOfValue, valueTextsFromForm } from '../templates/value-fields'
import { ComparePage } from '../../views/generation/ComparePage'
import { ConversationPage } from '../../views/generation/ConversationPage'
import { GenerationStatus } from '../../views/generation/GenerationStatus'
import { findVersion, listVersions, requireConversation } from '../conversations/detail'
import { regenerateConversation, retryConversation, rollbackConversation } from './conversations'
import { checkModel } from './models'

/**
 * The generation side of a conversation, mounted at /conversations before the conversations area:
 * /:id/generation (status that polls while it runs, turns, numbers, versions, regenerate), retry,
 * regenerate, compare and roll back. The components live in views/generation/ for the conversation
 * detail page (src/conversations/routes.tsx) to reuse.
 */
export const conversationGenerationRoutes = new Hono<AppEnv>()
// Middleware per route, not '*': this app shares the /conversations prefix with the conversations area.
const view = requireCapability('view')
const edit = requireCapability('edit')

const conversationId = (c: Context<AppEnv>) => {
  const parsed = z.uuid().safeParse(c.req.param('id'))
  if (!parsed.success) throw new NotFound('No such conversation.')
  return parsed.data
}

conversationGenerationRoutes.get('/:id/generation', view, async (c) => {
  const conversation = await requireConversation(c.var.db, conversationId(c))
  const versions = await listVersions(c.var.db, conversation.id)
  return c.html(<ConversationPage ctx={pageContext(c)} conversation={conversation} versions={versions} canEdit={can(c.var.user!.role, 'edit')} />)
})

conversationGenerationRoutes.get('/:id/status', view, async (c) => {
  const conversation = await requireConversation(c.var.db, conversationId(c))
  const running = conversation.status === 'queued' || conversation.status === 'generating'
  // Once finished, the whole page is worth reloading (turns, versions): htmx follows HX-Refresh.
  if (!running && c.req.header('hx-request') === 'true') c.header('HX-Refresh', 'true')
  return c.html(<GenerationStatus conversation={conversation} canEdit={can(c.var.user!.role, 'edit')} />)
})

conversationGenerationRoutes.get('/:id/versions', view, async (c) => {
  const id = conversationId(c)
  await requireConversation(c.var.db, id)
  return c.json({ items: await listVersions(c.var.db, id) })
})

const VersionNumber = z.coerce.number().int().min(1)
/** The conversation's row version the user saw (`conversation_version`), checked like a review decision's. */
const seenVersion = (body: Record<string, unknown>) => VersionNumber.safeParse(body.conversation_version)

conversationGenerationRoutes.get('/:id/compare', view, async (c) => {
  const id = conversationId(c)
  const a = VersionNumber.safeParse(c.req.query('a'))
  const b = VersionNumber.safeParse(c.req.query('b'))
  if (!a.success || !b.success) throw new ValidationFailed('Choose two versions to compare.', { a: 'Choose a version', b: 'Choose a version' })
  // A trashed conversation is gone for every reader, its versions included.
  const [, va, vb] = await Promise.all([requireConversation(c.var.db, id), findVersion(c.var.db, id, a.data), findVersion(c.var.db, id, b.data)])
  if (wantsJson(c)) return c.json({ a: va, b: vb })
  return c.html(<ComparePage ctx={pageContext(c)} conversationId={id} a={va} b={vb} />)
})

const done = (c: Context<AppEnv>, id: string, status = 200) =>
  wantsJson(c) ? c.json({ id }, status === 202 ? 202 : 200) : c.redirect(`/conversations/${id}/generation`, 303)

conversationGenerationRoutes.post('/:id/retry', edit, async (c) => {
  const id = conversationId(c)
  await requireConversation(c.var.db, id)
  await retryConversation(c.var.db, id)
  return done(c, id, 202)
})

const RegenerateInput = z.object({
  model: z.string().trim().regex(/^[a-z0-9.-]*$/, 'must be a model id such as claude-haiku-4-5').optional(),
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
})

conversationGenerationRoutes.post('/:id/regenerate', edit, async (c) => {
  const id = conversationId(c)
  const conversation = await requireConversation(c.var.db, id)
  const body = await readBody(c)
  // A form sends values.<name> as text: typed like the value it replaces.
  const typed = typedValues(valueTextsFromForm(body), (name) => typeOfValue(conversation.parameters[name]))
  const formValues = Object.fromEntries(Object.entries(typed).filter(([name, value]) => value !== conversation.parameters[name]))
  const parsed = RegenerateInput.safeParse({ model: body.model || undefined, values: body.values ?? formValues })
  if (!parsed.success) throw new ValidationFailed('The regeneration request is not valid.', { form: parsed.error.issues[0]?.message ?? 'invalid' })
  await checkModel(c.var.config, parsed.data.model || undefined, conversation.model ?? undefined)
  const seen = body.conversation_version === undefined ? undefined : seenVersion(body)
  if (seen && !seen.success) throw new ValidationFailed('conversation_version must be the version you saw.', { conversation_version: 'must be the version you saw' })
  await regenerateConversation(c.var.db, id, { model: parsed.data.model || undefined, values: parsed.data.values }, { userId: c.var.user!.id, seen: seen?.data })
  return done(c, id, 202)
})

conversationGenerationRoutes.post('/:id/rollback', edit, async (c) => {
  const id = conversationId(c)
  const body = await readBody(c)
  const version = VersionNumber.safeParse(body.version ?? c.req.query('version'))
  if (!version.success) throw new ValidationFailed('Choose the version to roll back to.', { version: 'Choose a version' })
  const seen = seenVersion(body)
  if (!seen.success) throw new ValidationFailed('conversation_version must be the version of the conversation you saw.', { conversation_version: 'must be the version you saw' })
  await rollbackConversation(c.var.db, id, version.data, { userId: c.var.user!.id, seen: seen.data })
  return done(c, id)
})

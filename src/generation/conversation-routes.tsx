import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { ComparePage } from '../../views/generation/ComparePage'
import { ConversationPage } from '../../views/generation/ConversationPage'
import { GenerationStatus } from '../../views/generation/GenerationStatus'
import { requireCapability, signedInUser } from '../auth/middleware'
import { can } from '../auth/roles'
import { findVersion, listVersions, requireConversation } from '../conversations/detail'
import { ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { optionalField, uuidParam } from '../http/params'
import { parseInput, readBody, wantsJson } from '../http/respond'
import { listAttempts } from './attempts'
import { regenerateConversation, retryConversation, rollbackConversation } from './conversations'
import { regenerateRequestFrom } from './form'
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

const conversationId = (c: Context<AppEnv>) => uuidParam(c, 'id', 'conversation')

conversationGenerationRoutes.get('/:id/generation', view, async (c) => {
  const conversation = await requireConversation(c.var.db, conversationId(c))
  const [versions, attempts] = await Promise.all([listVersions(c.var.db, conversation.id), listAttempts(c.var.db, conversation.id)])
  return c.html(
    <ConversationPage ctx={pageContext(c)} conversation={conversation} versions={versions} attempts={attempts} canEdit={can(signedInUser(c).role, 'edit')} />,
  )
})

conversationGenerationRoutes.get('/:id/status', view, async (c) => {
  const conversation = await requireConversation(c.var.db, conversationId(c))
  const running = conversation.status === 'queued' || conversation.status === 'generating'
  // Once finished, the whole page is worth reloading (turns, versions): htmx follows HX-Refresh.
  if (!running && c.req.header('hx-request') === 'true') c.header('HX-Refresh', 'true')
  return c.html(<GenerationStatus conversation={conversation} canEdit={can(signedInUser(c).role, 'edit')} />)
})

conversationGenerationRoutes.get('/:id/versions', view, async (c) => {
  const id = conversationId(c)
  await requireConversation(c.var.db, id)
  return c.json({ items: await listVersions(c.var.db, id) })
})

/** One of the conversation's saved versions, as a form or an address names it. */
const ChosenVersion = z.coerce.number({ error: 'Choose a version' }).int('Choose a version').min(1, 'Choose a version')
/** The conversation's row version the user saw (`conversation_version`), checked like a review decision's. */
const SeenVersion = z.coerce.number({ error: 'must be the version you saw' }).int('must be the version you saw').min(1, 'must be the version you saw')

conversationGenerationRoutes.get('/:id/compare', view, async (c) => {
  const id = conversationId(c)
  const a = ChosenVersion.safeParse(c.req.query('a'))
  const b = ChosenVersion.safeParse(c.req.query('b'))
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

const RegenerateRequest = z.object({
  model: optionalField(
    z
      .string()
      .trim()
      .regex(/^[a-z0-9.-]*$/, 'must be a model id such as claude-haiku-4-5'),
  ),
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  conversation_version: optionalField(SeenVersion),
})

conversationGenerationRoutes.post('/:id/regenerate', edit, async (c) => {
  const id = conversationId(c)
  const conversation = await requireConversation(c.var.db, id)
  const request = parseInput(RegenerateRequest, regenerateRequestFrom(await readBody(c), conversation.parameters))
  const model = request.model || undefined
  await checkModel(c.var.config, model, conversation.model ?? undefined)
  await regenerateConversation(c.var.db, id, { model, values: request.values }, { userId: signedInUser(c).id, seen: request.conversation_version })
  return done(c, id, 202)
})

const RollbackRequest = z.object({
  version: ChosenVersion,
  conversation_version: SeenVersion,
})

conversationGenerationRoutes.post('/:id/rollback', edit, async (c) => {
  const id = conversationId(c)
  const body = await readBody(c)
  const { version, conversation_version } = parseInput(RollbackRequest, { ...body, version: body.version ?? c.req.query('version') })
  await rollbackConversation(c.var.db, id, version, { userId: signedInUser(c).id, seen: conversation_version, backupDir: c.var.config.backupDir })
  return done(c, id)
})

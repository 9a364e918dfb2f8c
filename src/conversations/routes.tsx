import type { Context } from 'hono'
import { Hono } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { z } from 'zod'
import { BulkConfirmPage } from '../../views/conversations/BulkConfirmPage'
import { ConversationPage } from '../../views/conversations/ConversationPage'
import { ConversationRows, type RowOptions } from '../../views/conversations/ConversationRows'
import { DailyChart, DailyPage } from '../../views/conversations/DailyChart'
import { DashboardPage, type DashboardView, Results } from '../../views/conversations/DashboardPage'
import { OrphansPage } from '../../views/conversations/OrphansPage'
import { SummaryCards } from '../../views/conversations/SummaryCards'
import { SummaryPage } from '../../views/conversations/SummaryPage'
import { TrashPage } from '../../views/conversations/TrashPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { can } from '../auth/roles'
import { BadRequest, Conflict, Forbidden, NotFound, ValidationFailed } from '../errors'
import { isCursorTimestamp } from '../http/cursor'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext, preferencesOf } from '../http/page-context'
import { single, uuidParam } from '../http/params'
import { isHtmx, parseBody, parseInput, readBody, wantsJson } from '../http/respond'
import { answerAction } from '../http/toast'
import { decide, ReviewInput, type SubmittedDecision, submittedDecision } from '../review/actions'
import { listReviewHistory } from '../review/queries'
import { activeReviewSettings } from '../review/settings'
import { applyBulk, BULK_ACTIONS, BULK_JOB_THRESHOLD, type BulkAction, BulkInput, bulkTarget, countBulk, mayBulk, queueBulk } from './bulk'
import { dailyActivity, dashboardRange } from './daily'
import { findConversation, listVersions } from './detail'
import { editTurn, listTrash, restoreConversation, resubmitConversation, TRASH_DAYS, TurnEdit, trashConversation, VersionGuard } from './edit'
import { type ConversationFilter, filterChoices, filterParams, inZone } from './filter'
import { chunkExists, LinkInput, linkChunk, NoSuchChunk, unlinkChunk } from './links'
import { ListQuery, listConversations } from './list'
import { DEFAULT_SORT, type Sort } from './sort'
import { summarizeConversations } from './summary'

type C = Context<AppEnv>

/**
 * The list's query string, parsed once: unknown values and malformed numbers are a 400 naming the
 * field. The dashboard opened without any query shows the user's default filters and order.
 */
function readList(c: C, fixed: Partial<ConversationFilter> = {}, opening = false) {
  const preferences = preferencesOf(c)
  const fresh = opening && new URL(c.req.url).search === ''
  const parsed = parseInput(ListQuery, fresh ? { ...preferences.default_filters, sort: preferences.default_sort } : c.req.queries())
  const { sort, cursor, limit, ...asked } = parsed
  const filter: ConversationFilter = inZone({ ...asked, ...fixed }, preferences.timezone)
  const user = signedInUser(c)
  if (filter.deleted && filter.deleted !== 'exclude' && !can(user.role, 'admin')) {
    throw new Forbidden('Only an administrator can list deleted conversations.')
  }
  return { filter, sort: sort ?? DEFAULT_SORT, cursor, limit: limit ?? preferences.rows_per_page }
}

/** The filter and sort as they go back into links (the default sort left out). */
function listParams(filter: ConversationFilter, sort: Sort): string {
  const params = filterParams(filter)
  if (sort !== DEFAULT_SORT) params.set('sort', sort)
  return params.toString()
}

const conversationId = (c: C) => uuidParam(c, 'id', 'conversation')

/** Result messages are chosen by code (and a count), so a crafted link cannot put words on our page. */
const Done = z.object({
  done: z
    .enum([
      'approve',
      'reject',
      'approved',
      'rejected',
      'changes_requested',
      'move_to_review',
      'delete',
      'queued',
      'deleted',
      'edited',
      'restored',
      'resubmitted',
      'linked',
      'unlinked',
      'no_chunk',
    ])
    .optional()
    .catch(undefined),
  changed: z.coerce.number().int().min(0).optional().catch(undefined),
})
function notice(c: C): string | undefined {
  const { done, changed = 0 } = Done.parse(c.req.query())
  const n = `${changed.toLocaleString('en-US')} ${changed === 1 ? 'conversation' : 'conversations'}`
  switch (done) {
    case 'approve':
      return `Approved ${n}.`
    case 'reject':
      return `Rejected ${n}.`
    case 'approved':
      return 'Approved.'
    case 'rejected':
      return 'Rejected.'
    case 'changes_requested':
      return 'Sent back for changes.'
    case 'move_to_review':
      return `Moved ${n} back to review.`
    case 'delete':
      return `Moved ${n} to the trash.`
    case 'queued':
      return `${n} are being changed in the background; reload in a moment to see the result.`
    case 'deleted':
      return 'The conversation was moved to the trash.'
    case 'edited':
      return `Turn saved as version ${changed}.`
    case 'restored':
      return 'The conversation was restored.'
    case 'resubmitted':
      return 'Sent back to review.'
    case 'linked':
      return 'Linked to the chunk.'
    case 'unlinked':
      return 'Unlinked from its chunk.'
    case 'no_chunk':
      return 'There is no chunk with that id (it may have been deleted or re-chunked): find one in the chunk browser.'
    default:
      return undefined
  }
}

function bulkActionsFor(c: C): BulkAction[] {
  return BULK_ACTIONS.filter((action) => mayBulk(signedInUser(c).role, action))
}

/** How the user sees the table: their columns and quality threshold, their bulk actions. */
function rowOptions(c: C, filter: ConversationFilter): RowOptions {
  const preferences = preferencesOf(c)
  return {
    columns: preferences.dashboard_columns,
    selectable: bulkActionsFor(c).length > 0,
    highlightBelow: preferences.quality_highlight_below,
    oneTemplate: filter.template_id !== undefined,
  }
}

/** GET / — the dashboard; the results region alone for htmx (filters, search as you type). */
export const dashboardRoutes = new Hono<AppEnv>()

dashboardRoutes.get('/', async (c) => {
  const whole = !wantsJson(c) && !isHtmx(c)
  // The filter form's choices load alongside the rows, not after them.
  const choices = whole ? filterChoices(c.var.db) : undefined
  choices?.catch(() => undefined)
  const { filter, sort, cursor, limit } = readList(c, {}, !wantsJson(c) && !isHtmx(c))
  const page = await listConversations(c.var.db, { filter, sort, cursor, limit })
  if (wantsJson(c)) return c.json({ items: page.items, next_cursor: page.next_cursor })
  const view: DashboardView = {
    filter,
    sort,
    page,
    params: listParams(filter, sort),
    actions: bulkActionsFor(c),
    notice: notice(c),
    rows: rowOptions(c, filter),
    templateName: filter.template_id ? (page.items.find((row) => row.template_id === filter.template_id)?.template_name ?? undefined) : undefined,
  }
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) {
    // The address bar gets the canonical URL of this view (blank form fields left out).
    c.header('HX-Push-Url', view.params ? `/?${view.params}` : '/')
    return c.html(<Results view={view} />)
  }
  return c.html(<DashboardPage ctx={pageContext(c)} view={view} choices={await (choices ?? filterChoices(c.var.db))} />)
})

/** /conversations/… — fragments of the dashboard, bulk actions, the trash and the detail page. */
export const conversationRoutes = new Hono<AppEnv>()

/** "Load more": the next page's rows and the next "load more" row. */
conversationRoutes.get('/rows', async (c) => {
  const { filter, sort, cursor, limit } = readList(c)
  const page = await listConversations(c.var.db, { filter, sort, cursor, limit })
  return c.html(<ConversationRows page={page} params={listParams(filter, sort)} options={rowOptions(c, filter)} />)
})

conversationRoutes.get('/summary', async (c) => {
  const { filter, sort } = readList(c)
  const summary = await summarizeConversations(c.var.db, filter)
  if (wantsJson(c)) return c.json(summary)
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<SummaryCards summary={summary} />)
  return c.html(<SummaryPage ctx={pageContext(c)} summary={summary} params={listParams(filter, sort)} />)
})

/** The dashboard's chart of conversations and spend per day, for the same filter (its created dates, or the last 30 days). */
conversationRoutes.get('/daily', async (c) => {
  const { filter, sort } = readList(c)
  const activity = await dailyActivity(c.var.db, filter, dashboardRange(filter, preferencesOf(c).timezone))
  if (wantsJson(c)) return c.json(activity)
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<DailyChart activity={activity} />)
  return c.html(<DailyPage ctx={pageContext(c)} activity={activity} params={listParams(filter, sort)} />)
})

conversationRoutes.post('/bulk', async (c) => {
  const input = inZone(await parseBody(c, BulkInput), preferencesOf(c).timezone)
  const user = signedInUser(c)
  if (!mayBulk(user.role, input.action)) {
    throw new Forbidden(`Your role (${user.role}) does not allow this bulk action. Ask an administrator if you need access.`)
  }
  const target = bulkTarget(input)
  const { action: _a, scope: _s, ids: _i, confirmed: _c, ...filter } = input
  if (input.action === 'export') {
    const params = target.ids ? new URLSearchParams({ conversation_ids: target.ids.join(',') }) : filterParams(filter)
    return c.redirect(`/exports/new?${params.toString()}`, 303)
  }
  const counts = await countBulk(c.var.db, target, input.action)
  if (counts.matched === 0) {
    throw new BadRequest(target.ids ? 'None of the selected conversations exist any more.' : 'No conversation matches this filter.')
  }
  if (!input.confirmed) {
    if (wantsJson(c)) return c.json({ action: input.action, ...counts, confirmed: false })
    return c.html(
      <BulkConfirmPage ctx={pageContext(c)} action={input.action} scope={input.scope} filter={target.ids ? {} : filter} ids={target.ids} {...counts} />,
    )
  }
  if (counts.eligible > BULK_JOB_THRESHOLD) {
    await queueBulk(c.var.db, { action: input.action, filter: target.filter, ids: target.ids, userId: user.id })
    if (wantsJson(c)) return c.json({ action: input.action, matched: counts.matched, queued: counts.eligible, confirmed: true }, 202)
    const back = filterParams(filter)
    back.set('done', 'queued')
    back.set('changed', String(counts.eligible))
    return c.redirect(`/?${back.toString()}`, 303)
  }
  const changed = await applyBulk(c.var.db, target, input.action, { userId: user.id, backupDir: c.var.config.backupDir })
  c.var.log.info({ action: input.action, matched: counts.matched, changed, user: user.id }, 'bulk action')
  if (wantsJson(c)) return c.json({ action: input.action, matched: counts.matched, changed, confirmed: true })
  const back = filterParams(filter)
  back.set('done', input.action)
  back.set('changed', String(changed))
  return c.redirect(`/?${back.toString()}`, 303)
})

const TrashCursor = z.object({
  after_at: z.string().refine(isCursorTimestamp, 'is not a cursor this list gave out').optional(),
  after_id: z.uuid('is not a cursor this list gave out').optional(),
})

conversationRoutes.get('/trash', requireCapability('admin'), async (c) => {
  const parsed = parseInput(TrashCursor, c.req.query())
  const { after_at, after_id } = parsed
  const after = after_at && after_id ? { deletedAt: after_at, id: after_id } : undefined
  const trash = await listTrash(c.var.db, { after, limit: preferencesOf(c).rows_per_page })
  const next = trash.next_cursor ?? undefined
  if (wantsJson(c)) return c.json({ items: trash.items.map(({ key: _, ...row }) => row), next })
  return c.html(<TrashPage ctx={pageContext(c)} items={trash.items} next={next} notice={notice(c)} days={TRASH_DAYS} />)
})

/** Orphans: grounded conversations whose chunk was deleted or re-chunked away, each with a re-link form. */
conversationRoutes.get('/orphaned', async (c) => {
  const { filter, sort, cursor, limit } = readList(c, { orphaned: true })
  const page = await listConversations(c.var.db, { filter, sort, cursor, limit })
  if (wantsJson(c)) return c.json({ items: page.items, next_cursor: page.next_cursor })
  return c.html(<OrphansPage ctx={pageContext(c)} page={page} notice={notice(c)} canLink={can(signedInUser(c).role, 'edit')} />)
})

/** Where a link form sends the browser back to: chosen by code, never a URL from the form. */
const LinkForm = z.object({ back: z.preprocess(single, z.enum(['orphans', 'conversation']).catch('conversation')) })
const backTo = (id: string, back: 'orphans' | 'conversation', done: string) =>
  back === 'orphans' ? `/conversations/orphaned?done=${done}` : `/conversations/${id}?done=${done}#source`

conversationRoutes.post('/:id/link-chunk', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const body = await readBody(c)
  const { back } = LinkForm.parse(body)
  // A wrong or vanished chunk id goes back to the form with a sentence; a missing conversation stays a 404.
  if (!(await findConversation(c.var.db, id))) throw new NotFound('No such conversation (it may have been deleted).')
  rerenderOnError(
    c,
    () => c.redirect(backTo(id, back, 'no_chunk'), 303),
    (err) => err instanceof NoSuchChunk,
  )
  const input = LinkInput.safeParse(body)
  if (!input.success) throw new NoSuchChunk()
  const linked = await linkChunk(c.var.db, id, input.data)
  c.var.log.info({ conversation: id, chunk: linked.parent_chunk_id, user: signedInUser(c).id }, 'conversation linked to chunk')
  return c.redirect(backTo(id, back, 'linked'), 303)
})

conversationRoutes.post('/:id/unlink-chunk', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const result = await unlinkChunk(c.var.db, id)
  if (result.changed) c.var.log.info({ conversation: id, user: signedInUser(c).id }, 'conversation unlinked from chunk')
  return c.redirect(backTo(id, 'conversation', 'unlinked'), 303)
})

async function detailPage(c: C, id: string, extra: { error?: string; status?: ContentfulStatusCode; submitted?: SubmittedDecision } = {}) {
  const conversation = await findConversation(c.var.db, id)
  if (!conversation) throw new NotFound('No such conversation (it may have been deleted).')
  const [history, versions, settings] = await Promise.all([listReviewHistory(c.var.db, id), listVersions(c.var.db, id), activeReviewSettings(c.var.db)])
  return c.html(
    <ConversationPage
      ctx={pageContext(c)}
      conversation={conversation}
      history={history}
      reasons={settings.reasons}
      versions={versions}
      notice={notice(c)}
      error={extra.error}
      submitted={extra.submitted}
    />,
    extra.status ?? 200,
  )
}

conversationRoutes.get('/:id', async (c) => {
  const id = conversationId(c)
  if (wantsJson(c)) return c.json(await conversationJson(c, id))
  return detailPage(c, id)
})

conversationRoutes.post('/:id/turns/:turn', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const turn = z.coerce.number().int().min(1).safeParse(c.req.param('turn'))
  if (!turn.success) throw new NotFound('No such turn.')
  const edit = await parseBody(c, TurnEdit)
  // A stale edit shows the current conversation with the message, so nothing typed is lost silently.
  rerenderOnError(
    c,
    (problem) => detailPage(c, id, { error: problem.error, status: 409 }),
    (err) => err instanceof Conflict,
  )
  const { version, contentVersion } = await editTurn(c.var.db, id, turn.data - 1, edit, signedInUser(c).id)
  if (wantsJson(c)) return c.json({ id, version, content_version: contentVersion })
  return c.redirect(`/conversations/${id}?done=edited&changed=${contentVersion}#turn-${turn.data}`, 303)
})

const REVIEWED = { approve: 'approved', reject: 'rejected', request_changes: 'changes_requested' } as const

/**
 * A decision from the conversation's own page: the review screen's decision (one implementation,
 * src/review/actions.ts), answered with the page again. A refused one shows the page with the
 * reason and its panel still open.
 */
conversationRoutes.post('/:id/review', requireCapability('review'), async (c) => {
  const id = conversationId(c)
  const body = await readBody(c)
  rerenderOnError(c, (problem, err) => detailPage(c, id, { error: problem.error, status: err.status, submitted: submittedDecision(body) }))
  const input = parseInput(ReviewInput, body)
  await decide(c.var.db, id, signedInUser(c).id, input)
  return c.redirect(`/conversations/${id}?done=${REVIEWED[input.action]}`, 303)
})

/** "Send back to review" after the requested changes were made. */
conversationRoutes.post('/:id/resubmit', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const { version: seen } = await parseBody(c, VersionGuard)
  if (seen === undefined) throw new ValidationFailed('Send the version you saw.', { version: 'must be the version you saw' })
  rerenderOnError(
    c,
    (problem) => detailPage(c, id, { error: problem.error, status: 409 }),
    (err) => err instanceof Conflict,
  )
  const version = await resubmitConversation(c.var.db, id, seen, signedInUser(c).id)
  if (wantsJson(c)) return c.json({ id, status: 'pending_review', version })
  return c.redirect(`/conversations/${id}?done=resubmitted`, 303)
})

conversationRoutes.post('/:id/delete', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const { version } = await parseBody(c, VersionGuard)
  await trashConversation(c.var.db, id, version)
  if (wantsJson(c)) return c.json({ id, deleted: true })
  // Taking it out of the trash is the undo, for those who may (admins).
  const undo = can(signedInUser(c).role, 'admin') ? { url: `/conversations/${id}/restore`, label: 'Restore from trash' } : undefined
  return answerAction(c, '/', { kind: 'success', message: 'Conversation moved to the trash.', undo }, 'deleted')
})

conversationRoutes.post('/:id/restore', requireCapability('admin'), async (c) => {
  const id = conversationId(c)
  await restoreConversation(c.var.db, id)
  if (wantsJson(c)) return c.json({ id, restored: true })
  return c.redirect('/conversations/trash?done=restored', 303)
})

/** GET /api/conversations and /api/conversations/:id (DESIGN.md §8). */
export const conversationsApi = new Hono<AppEnv>()

conversationsApi.get('/', async (c) => {
  const { filter, sort, cursor, limit } = readList(c)
  const page = await listConversations(c.var.db, { filter, sort, cursor, limit })
  return c.json({ items: page.items, next_cursor: page.next_cursor })
})

/** Grounded conversations whose chunk is gone (they keep chunk_context), newest first; other filters apply. */
conversationsApi.get('/orphaned', async (c) => {
  const { filter, sort, cursor, limit } = readList(c, { orphaned: true })
  const page = await listConversations(c.var.db, { filter, sort, cursor, limit })
  return c.json({ items: page.items, next_cursor: page.next_cursor })
})

conversationsApi.get('/by-chunk/:chunkId', async (c) => {
  const chunkId = uuidParam(c, 'chunkId', 'chunk (it may have been deleted or re-chunked)')
  if (!(await chunkExists(c.var.db, chunkId))) throw new NotFound('No such chunk (it may have been deleted or re-chunked).')
  const { filter, sort, cursor, limit } = readList(c, { chunk_id: chunkId })
  const page = await listConversations(c.var.db, { filter, sort, cursor, limit })
  return c.json({ items: page.items, next_cursor: page.next_cursor })
})

conversationsApi.get('/:id', async (c) => c.json(await conversationJson(c, conversationId(c))))

conversationsApi.post('/:id/link-chunk', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const input = await parseBody(c, LinkInput)
  const linked = await linkChunk(c.var.db, id, input)
  c.var.log.info({ conversation: id, chunk: linked.parent_chunk_id, user: signedInUser(c).id }, 'conversation linked to chunk')
  return c.json(linked)
})

/** Clears the link and the saved source (so it is not listed as an orphan); idempotent. */
conversationsApi.delete('/:id/unlink-chunk', requireCapability('edit'), async (c) => {
  const id = conversationId(c)
  const { changed, ...result } = await unlinkChunk(c.var.db, id)
  if (changed) c.var.log.info({ conversation: id, user: signedInUser(c).id }, 'conversation unlinked from chunk')
  return c.json(result)
})

async function conversationJson(c: C, id: string) {
  const conversation = await findConversation(c.var.db, id)
  if (!conversation) throw new NotFound('No such conversation (it may have been deleted).')
  const history = await listReviewHistory(c.var.db, id)
  return { ...conversation, review_history: history }
}

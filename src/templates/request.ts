import type { Context } from 'hono'
import { z } from 'zod'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { doneNotice } from '../http/notice'
import { uuidParam } from '../http/params'
import { findTemplate, type Template } from './queries'

/** What the template routes (pages and API, templates and scenarios) read from a request. */

/** The template named by the path's `:id`, or 404. */
export async function templateOr404(c: Context<AppEnv>): Promise<Template> {
  const template = await findTemplate(c.var.db, uuidParam(c, 'id', 'template'))
  if (!template) throw new NotFound('No such template.')
  return template
}

/** A version number from the path; anything else names no version. */
export function versionParam(c: Context<AppEnv>): number {
  const version = z.coerce.number().int().positive().safeParse(c.req.param('version'))
  if (!version.success) throw new NotFound('No such version of this template.')
  return version.data
}

/** Result messages are chosen by code, so a crafted link cannot put words on our page. */
const NOTICES = {
  created: 'Template created (version 1).',
  saved: 'Saved as a new version.',
  duplicated: 'This is the copy.',
  archived: 'Archived: it no longer shows in the list of active templates.',
  unarchived: 'Back among the active templates.',
  restored: 'The old version was restored as a new version.',
  deleted: 'Template deleted.',
  scenario_created: 'Scenario created.',
  scenario_saved: 'Scenario saved.',
  scenario_deleted: 'Scenario deleted.',
  edge_case_created: 'Edge case added.',
  edge_case_deleted: 'Edge case deleted.',
} as const

/** The notice a page shows after a change (`?done=<code>`). */
export function notice(c: Context<AppEnv>): string | undefined {
  return doneNotice(c, NOTICES)
}

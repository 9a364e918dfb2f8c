import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import { BackupPage } from '../../views/backups/BackupPage'
import { BackupsPage } from '../../views/backups/BackupsPage'
import { ConfirmPage } from '../../views/ConfirmPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { NotFound } from '../errors'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { optionalField, uuidParam } from '../http/params'
import { parseInput, wantsJson } from '../http/respond'
import { type BackupItem, findBackup, listBackups } from './queries'
import { restoreBackup } from './restore'

const ListQuery = z.object({ cursor: optionalField(z.string().max(500)) })
const PAGE_SIZE = 100

/** A backup as GET /api/backups lists it (DESIGN.md §8); the file on disk stays private. */
function backupJson(row: BackupItem) {
  return {
    id: row.id,
    reason: row.reason,
    description: row.description,
    count: row.count,
    created_by: row.created_by,
    created_at: row.created_at,
    expires_at: row.expires_at,
    restored_at: row.restored_at,
  }
}

async function restore(c: Context<AppEnv>) {
  return restoreBackup(c.var.db, c.var.config.backupDir, uuidParam(c, 'id', 'backup'), signedInUser(c).id)
}

/** GET /api/backups and POST /api/backups/:id/restore (editors and admins). */
export const backupsApi = new Hono<AppEnv>()
backupsApi.use('*', requireCapability('edit'))

backupsApi.get('/', async (c) => {
  const { cursor } = parseInput(ListQuery, c.req.query())
  const page = await listBackups(c.var.db, { cursor, limit: PAGE_SIZE })
  return c.json({ items: page.items.map(backupJson), next_cursor: page.next_cursor })
})

backupsApi.post('/:id/restore', async (c) => c.json(await restore(c)))

/** /backups: the list with a restore button each, a backup's page with what its restore did. */
export const backupPages = new Hono<AppEnv>()
backupPages.use('*', requireCapability('edit'))

backupPages.get('/', async (c) => {
  const { cursor } = parseInput(ListQuery, c.req.query())
  const page = await listBackups(c.var.db, { cursor, limit: PAGE_SIZE })
  return c.html(<BackupsPage ctx={pageContext(c)} items={page.items} next={page.next_cursor ?? undefined} />)
})

async function backupOr404(c: Context<AppEnv>): Promise<BackupItem> {
  const backup = await findBackup(c.var.db, uuidParam(c, 'id', 'backup'))
  if (!backup) throw new NotFound('No such backup.')
  return backup
}

backupPages.get('/:id', async (c) => {
  const backup = await backupOr404(c)
  if (wantsJson(c)) return c.json(backupJson(backup))
  const notice = doneNotice(c, { restored: 'Backup restored.' })
  return c.html(<BackupPage ctx={pageContext(c)} backup={backup} notice={notice} />)
})

backupPages.post('/:id/restore', async (c) => {
  const backup = await backupOr404(c)
  if (!(await isConfirmed(c))) {
    const rows = backup.count === 1 ? '1 row' : `${backup.count} rows`
    return c.html(
      <ConfirmPage
        ctx={pageContext(c)}
        title={`Restore ${rows}?`}
        action={`/backups/${backup.id}/restore`}
        confirm={`Restore ${rows}`}
        back="/backups"
        backLabel="Back to backups"
      >
        <p>
          {backup.description}. Up to {rows} will be put back as they were before; any changed since are skipped and listed, never overwritten. What the restore
          overwrites is saved as a new backup first.
        </p>
      </ConfirmPage>,
    )
  }
  await restore(c)
  return c.redirect(`/backups/${backup.id}?done=restored`, 303)
})

import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { insertUser } from '../../src/auth/users'
import { withBackup } from '../../src/backups/write'
import { seedConversations } from '../../src/conversations/seed'
import { benchDatabase, heading, percentile, report } from './support'

/**
 * Issue 15's figures: a backup of 10,000 conversations with their versions and review history
 * (< 3 s), timed in this process; then the peak RSS growth of a fresh process backing up 10,000 and
 * 100,000 (streamed in chunks, so the two should be about the same: flat memory).
 */
heading('Backups (issue 15)')
const database = await benchDatabase()
const backupDir = mkdtempSync(path.join(os.tmpdir(), 'train-data-bench-backups-'))
try {
  const user = await insertUser(database.db, { email: 'bench@example.com', password: 'bench password', role: 'editor' })
  const seeded = await seedConversations(database.db, { count: 100_000, createdBy: user!.id })
  // Every conversation with its generated version, every other one edited once since.
  await database.pool.query(`
    insert into conversation_versions (conversation_id, version, source, title, turns, parameters, model, quality_score, created_at)
    select id, 1, 'generated', title, turns, parameters, model, quality_score, created_at from conversations`)
  await database.pool.query(`
    insert into conversation_versions (conversation_id, version, source, title, turns, parameters, created_by)
    select id, 2, 'edited', title, turns, parameters, created_by from conversations where turn_count > 0 and id::text < '8'`)
  await database.pool.query('vacuum analyze conversations, conversation_versions, review_actions')
  const { rows } = await database.pool.query(`select (select count(*) from conversation_versions) v, (select count(*) from review_actions) r`)
  console.log(`  (seeded 100,000 conversations, ${rows[0].v} versions, ${rows[0].r} review actions in ${(seeded.ms / 1000).toFixed(1)} s)`)

  const samples: number[] = []
  let bytes = 0
  for (let run = 0; run < 3; run++) {
    const items = database.db.selectFrom('conversations').select('id').orderBy('id').limit(10_000).forUpdate()
    const started = performance.now()
    await withBackup(database.db, backupDir, { reason: 'bulk_delete', description: 'Bench', userId: user!.id, items }, async () => undefined)
    samples.push(performance.now() - started)
  }
  const sizes = await database.db.selectFrom('backups').select('bytes').execute()
  bytes = sizes[0]?.bytes ?? 0
  report('backup of 10,000 conversations (median of 3)', percentile(samples, 50), 'ms', '< 3000 ms')
  report('its file (gzip)', bytes / 1024 / 1024, 'MB')

  const inProcess = (count: number, flags: string[] = []) => {
    const child = spawnSync(
      process.execPath,
      [...flags, '--import', 'tsx', path.join(import.meta.dirname, '../helpers/backup-child.ts'), database.url, backupDir, user!.id, String(count)],
      { encoding: 'utf8' },
    )
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'))
    if (!line) throw new Error(`backup process failed: ${child.stderr}`)
    return JSON.parse(line) as { rssMb: number; peakMb: number; ms: number }
  }
  for (const count of [10_000, 100_000]) {
    const run = inProcess(count)
    report(`backup of ${count.toLocaleString('en')} in a fresh process`, run.ms, 'ms')
    report(`  peak RSS growth (VmHWM − RSS before)`, run.peakMb - run.rssMb, 'MB', count === 100_000 ? 'about the same as 10,000: flat' : undefined)
  }
  // RSS beyond the live heap is how far V8 lets the heap grow between collections; with a small
  // heap (as a worker container would run) the 100,000 backup still completes: its memory is flat.
  const bounded = inProcess(100_000, ['--max-old-space-size=64'])
  report('backup of 100,000 with a 64 MB old space', bounded.ms, 'ms')
  report(`  peak RSS growth (VmHWM − RSS before)`, bounded.peakMb - bounded.rssMb, 'MB')
} finally {
  rmSync(backupDir, { recursive: true, force: true })
  await database.close()
}

// A backup in a process of its own. Without a count, as test/backups.test.ts runs it (and kills it
// with SIGKILL while the backup is written): a bulk delete of every conversation, backed up first,
// as the dashboard's job does it. With a count, as test/bench/backups.bench.ts runs it: a backup of
// that many conversations (nothing else changes), then the process's RSS before and at its peak.
import { readFileSync } from 'node:fs'
import { withBackup } from '../../src/backups/write'
import { applyBulk } from '../../src/conversations/bulk'
import { connect } from '../../src/db/connect'
import { createLogger } from '../../src/log'

const [url = '', backupDir = '', userId = '', count] = process.argv.slice(2)
const { db } = connect(url, createLogger('silent'), 2)
const memory = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024
if (count === undefined) {
  await applyBulk(db, { filter: { deleted: 'exclude' } }, 'delete', { userId, backupDir })
} else {
  await db.selectFrom('conversations').select('id').limit(1).execute() // connected, code loaded: the baseline
  const rssMb = memory('VmRSS')
  const started = performance.now()
  const items = db.selectFrom('conversations').select('id').orderBy('id').limit(Number(count)).forUpdate()
  await withBackup(db, backupDir, { reason: 'bulk_delete', description: 'Bench', userId, items }, async () => undefined)
  console.log(JSON.stringify({ rssMb, peakMb: memory('VmHWM'), ms: performance.now() - started }))
}
console.log('finished')
process.exit(0)

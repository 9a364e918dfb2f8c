// Run as its own process by test/backups.test.ts, which kills it (SIGKILL) while the backup is being
// written: a bulk delete of every conversation, backed up first, as the dashboard's job does it.
import { applyBulk } from '../../src/conversations/bulk'
import { connect } from '../../src/db/connect'
import { createLogger } from '../../src/log'

const [url = '', backupDir = '', userId = ''] = process.argv.slice(2)
const { db } = connect(url, createLogger('silent'), 2)
await applyBulk(db, { filter: { deleted: 'exclude' } }, 'delete', { userId, backupDir })
console.log('finished')
process.exit(0)

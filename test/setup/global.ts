import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { connect } from '../../src/db/connect'
import { type EmbeddedCluster, startEmbeddedPostgres } from '../../src/db/embedded'
import { migrateToLatest } from '../../src/db/migrate'
import { createLogger } from '../../src/log'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL on the test server; each test file creates its own database there. */
    adminUrl: string
    /** A migrated database that test databases are copied from. */
    templateDatabase: string
  }
}

type Shared = { adminUrl: string; templateDatabase: string; users: number; stop: () => Promise<void> }
/** The integration and browser projects each run this setup; they share one server through the main process. */
const SHARED = Symbol.for('train-data.test-postgres')
const holder = globalThis as { [SHARED]?: Promise<Shared> }

/**
 * One Postgres for the whole run: TEST_DATABASE_URL or DATABASE_URL when set, otherwise a
 * throw-away embedded one. Migrations run once, into a template that every file copies.
 */
export default async function setup(project: TestProject) {
  holder[SHARED] ??= startPostgres()
  const shared = await holder[SHARED]
  shared.users++
  project.provide('adminUrl', shared.adminUrl)
  project.provide('templateDatabase', shared.templateDatabase)
  return async () => {
    if (--shared.users > 0) return
    delete holder[SHARED]
    await shared.stop()
  }
}

async function startPostgres(): Promise<Shared> {
  const log = createLogger('silent')
  const external = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL
  let cluster: EmbeddedCluster | undefined
  let tmp: string | undefined
  if (!external) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'train-data-test-'))
    cluster = await startEmbeddedPostgres(path.join(tmp, 'pg'), log)
  }
  const adminUrl = external ?? cluster!.url
  const templateDatabase = `td_template_${process.pid}`

  const admin = connect(adminUrl, log, 1)
  await admin.pool.query(`drop database if exists ${templateDatabase}`)
  await admin.pool.query(`create database ${templateDatabase}`)
  const templateUrl = withDatabase(adminUrl, templateDatabase)
  const template = connect(templateUrl, log, 2)
  await migrateToLatest(template.db, template.pool, log)
  await template.db.destroy()

  return {
    adminUrl,
    templateDatabase,
    users: 0,
    stop: async () => {
      await admin.pool.query(`drop database if exists ${templateDatabase} with (force)`).catch(() => undefined)
      await admin.pool.end()
      await cluster?.stop()
      if (tmp) await rm(tmp, { recursive: true, force: true })
    },
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

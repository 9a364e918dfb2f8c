import { createApp } from '../../src/app'
import type { Deps } from '../../src/deps'
import { closeProgressHub } from '../../src/generation/progress-hub'
import { createLogger } from '../../src/log'
import { startServer, type WebServer } from '../../src/server'
import { startWorker, type WorkerHandle } from '../../src/worker/runner'
import { testConfig } from './app'
import type { TestDatabase } from './db'

export type RunningApp = { url: string; deps: Deps; stop: () => Promise<void> }

/** The real HTTP server (and, unless told otherwise, a worker) on a free port, for browser tests. */
export async function startTestServer(database: TestDatabase, options: { env?: Record<string, string>; worker?: boolean } = {}): Promise<RunningApp> {
  const deps: Deps = { db: database.db, config: testConfig(database, options.env), log: createLogger('silent'), pool: database.pool }
  const web: WebServer = await startServer(createApp(deps), '127.0.0.1', 0)
  const worker: WorkerHandle | undefined = options.worker === false ? undefined : await startWorker(deps, database.pool)
  return {
    url: web.url,
    deps,
    // As the app stops: live-progress streams end first, so the server can close and the
    // hub's LISTEN connection goes back before the test drops its database.
    stop: async () => {
      await closeProgressHub(database.pool)
      await web.close()
      await worker?.stop()
    },
  }
}

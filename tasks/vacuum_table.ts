import type { Task } from 'graphile-worker'
import { z } from 'zod'
import type { Deps } from '../src/deps'
import { runVacuum } from '../src/health/vacuum'

const Payload = z.object({ runId: z.uuid() })

/** VACUUM (ANALYZE) of one table an admin asked for on the health page. */
export default function vacuum_table({ db }: Deps): Task {
  return async (payload) => {
    await runVacuum(db, Payload.parse(payload).runId)
  }
}

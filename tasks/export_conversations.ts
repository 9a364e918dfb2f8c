import type { Task } from 'graphile-worker'
import { z } from 'zod'
import type { Deps } from '../src/deps'
import { runExport } from '../src/exports/run-export'

const Payload = z.object({ exportId: z.uuid() })

/**
 * Writes one export's file(s). Safe to run twice: a finished export is left alone, an interrupted
 * one (worker killed) is written again from the start under a new temporary name.
 */
export default function export_conversations(deps: Deps): Task {
  return async (payload) => {
    const { exportId } = Payload.parse(payload)
    await runExport(deps, exportId)
  }
}

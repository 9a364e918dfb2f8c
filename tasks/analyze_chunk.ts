import type { Task } from 'graphile-worker'
import { z } from 'zod'
import { analyseChunk } from '../src/chunks/analysis'
import type { Deps } from '../src/deps'
import { taskClaude } from '../src/worker/task-claude'

const Payload = z.object({ chunkId: z.uuid() })

/**
 * The dimension analysis of one chunk: see src/chunks/analysis.ts. Claude's transient errors and
 * invalid output throw, and the queue retries with backoff. Safe to run twice.
 */
export default function analyze_chunk({ db, config, log }: Deps): Task {
  const claude = taskClaude(config)
  return async (payload) => {
    const { chunkId } = Payload.parse(payload)
    await analyseChunk({ db, claude, log }, chunkId)
  }
}

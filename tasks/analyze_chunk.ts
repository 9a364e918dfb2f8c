import type { Task } from 'graphile-worker'
import { z } from 'zod'
import { analyseChunk } from '../src/chunks/analysis'
import { createClaude } from '../src/claude/client'
import type { Deps } from '../src/deps'

const Payload = z.object({ chunkId: z.uuid() })

/**
 * The dimension analysis of one chunk: see src/chunks/analysis.ts. Claude's transient errors and
 * invalid output throw, and the queue retries with backoff. Safe to run twice.
 */
export default function analyze_chunk({ db, config, log }: Deps): Task {
  // Retries are the queue's, not the SDK's, so a retry never holds a rate-limit lease.
  const claude = createClaude({ apiKey: config.anthropicApiKey, baseURL: config.anthropicBaseUrl, maxRetries: 0 })
  return async (payload) => {
    const { chunkId } = Payload.parse(payload)
    await analyseChunk({ db, claude, log }, chunkId)
  }
}

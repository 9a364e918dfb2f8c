import type { Task } from 'graphile-worker'
import { z } from 'zod'
import type { Deps } from '../src/deps'
import { ingestDocument } from '../src/documents/ingest'

const Payload = z.object({ documentId: z.uuid() })

/** Reads and chunks one uploaded document, or re-chunks one: see src/documents/ingest.ts. Safe to run twice. */
export default function ingest_document({ db, log }: Deps): Task {
  return async (payload, helpers) => {
    const { documentId } = Payload.parse(payload)
    await ingestDocument({ db, log }, documentId, { attempts: helpers.job.attempts, maxAttempts: helpers.job.max_attempts })
  }
}

import { randomInt } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { ERROR_CODES, type ErrorCode, type Severity } from '../error-codes'
import type { Logger } from '../log'

/** Letters and digits nobody misreads or mistypes: no 0/O, 1/I/L, and upper case only. */
const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
const REFERENCE_LENGTH = 8

/** A fresh reference a person can read out ("E-7Q2KX9PA"): 31^8 (about 850 billion) of them. */
export function newReference(): string {
  let text = 'E-'
  for (let i = 0; i < REFERENCE_LENGTH; i++) text += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)]
  return text
}

/** What an error log entry says beyond its code: the route, user, conversation, batch, job… it concerns. */
export type ErrorContext = {
  route?: string
  method?: string
  status?: number
  user_id?: string | null
  conversation_id?: string
  batch_id?: string | null
  job_id?: string
  task?: string
  export_id?: string
  [key: string]: unknown
}

export type ErrorEntry = {
  code: ErrorCode
  /** The code's own severity unless given. */
  severity?: Severity
  message: string
  stack?: string | undefined
  context: ErrorContext
}

/**
 * Writes one unexpected error to the error log and returns its reference. Never throws: a failed
 * write must not turn one failure into two, so the entry goes to stdout instead (found there by its
 * reference) with why the write failed, and the reference is returned all the same.
 */
export async function recordError(db: Kysely<DB>, log: Logger, entry: ErrorEntry): Promise<string> {
  const fields = entryFields(entry)
  try {
    await db
      .insertInto('error_logs')
      .values({ ...fields, context: JSON.stringify(entry.context) })
      .execute()
  } catch (writeErr) {
    log.error(
      { ...fields, context: entry.context, writeFailed: writeErr instanceof Error ? writeErr.message : String(writeErr) },
      'could not write to the error log',
    )
  }
  return fields.reference
}

/** The entry on stdout only, when the database is known not to answer (waiting for it again would only delay the answer). */
export function logErrorOnly(log: Logger, entry: ErrorEntry): string {
  const fields = entryFields(entry)
  log.error({ ...fields, context: entry.context }, 'error log entry (the database is unavailable)')
  return fields.reference
}

function entryFields(entry: ErrorEntry) {
  const { area, severity } = ERROR_CODES[entry.code]
  return { reference: newReference(), code: entry.code, severity: entry.severity ?? severity, area, message: entry.message, stack: entry.stack ?? null }
}

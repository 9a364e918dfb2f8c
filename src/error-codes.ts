/**
 * The one documented list of error codes. Every code the app answers with, stores on a conversation
 * or writes to the error log is here, with who it concerns (area), how bad it is (severity), what
 * happened and what to do, in sentences shown on the error details page and listed in the README.
 * `errorKind` only takes a code from this list, so a new error cannot go undocumented.
 */
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export const ERROR_AREAS = ['request', 'auth', 'database', 'generation', 'claude', 'review', 'export', 'documents', 'jobs', 'backups'] as const
export type ErrorArea = (typeof ERROR_AREAS)[number]

export type ErrorCodeInfo = {
  area: ErrorArea
  severity: Severity
  /** What happened, as a person would say it. */
  title: string
  /** What to do about it. */
  action: string
}

export const ERROR_CODES = {
  // Requests a person or script can correct.
  bad_request: { area: 'request', severity: 'info', title: 'The request was not understood.', action: 'Check what was sent and try again.' },
  validation_failed: {
    area: 'request',
    severity: 'info',
    title: 'Some fields are not valid.',
    action: 'Correct the fields named in the message and send the form again.',
  },
  invalid_value: {
    area: 'request',
    severity: 'info',
    title: 'A value is not valid here.',
    action: 'Remove unusual characters or malformed ids and times, then try again.',
  },
  not_found: {
    area: 'request',
    severity: 'info',
    title: 'There is nothing at this address.',
    action: 'Check the link; what it pointed to may have been deleted.',
  },
  conflict: {
    area: 'request',
    severity: 'info',
    title: 'Someone changed this at the same moment.',
    action: 'Reload the page to see the current state, then try again.',
  },
  gone: { area: 'request', severity: 'info', title: 'This existed but is gone for good.', action: 'Make it again (run the export again, for example).' },
  payload_too_large: { area: 'request', severity: 'info', title: 'What was sent is too large.', action: 'Send a smaller file or fewer rows at once.' },
  too_many_requests: { area: 'request', severity: 'warning', title: 'Too many requests in a short time.', action: 'Wait for the time given, then try again.' },
  http_error: { area: 'request', severity: 'info', title: 'The request was refused.', action: 'Check the request and try again.' },
  // Who may do what.
  unauthorized: { area: 'auth', severity: 'info', title: 'You are not signed in.', action: 'Sign in (or send a valid API token) and try again.' },
  forbidden: { area: 'auth', severity: 'info', title: 'Your role does not allow this.', action: 'Ask an admin for a role that can do it.' },
  // The app and its database.
  internal_error: {
    area: 'request',
    severity: 'error',
    title: 'Something went wrong on our side.',
    action: 'Try again; if it keeps happening, give an admin the reference.',
  },
  service_unavailable: { area: 'database', severity: 'error', title: 'The service is not ready.', action: 'Wait a few seconds and try again.' },
  database_unavailable: {
    area: 'database',
    severity: 'critical',
    title: 'The database is not reachable.',
    action: 'Try again in a moment; an admin should check the database.',
  },
  // Claude, as the generation worker meets it.
  rate_limited: {
    area: 'claude',
    severity: 'warning',
    title: "Claude's rate limit was reached.",
    action: 'Nothing: it retries by itself. Lower requests per minute in AI settings if it persists.',
  },
  overloaded: {
    area: 'claude',
    severity: 'warning',
    title: 'Claude was overloaded.',
    action: 'Nothing: it retries by itself. Retry the failed ones later from Recovery.',
  },
  server_error: { area: 'claude', severity: 'warning', title: 'The Claude API had an internal error.', action: 'Retry the failed ones from Recovery.' },
  timeout: {
    area: 'claude',
    severity: 'warning',
    title: 'Claude did not answer in time.',
    action: 'Retry from Recovery; raise the timeout in AI settings if it keeps happening.',
  },
  connection: {
    area: 'claude',
    severity: 'error',
    title: 'The Claude API could not be reached.',
    action: 'Check the network and ANTHROPIC_BASE_URL, then retry from Recovery.',
  },
  aborted: { area: 'claude', severity: 'info', title: 'The call to Claude was cancelled.', action: 'Retry it if it is still wanted.' },
  claude_bad_request: {
    area: 'claude',
    severity: 'error',
    title: 'Claude rejected the request as invalid.',
    action: 'Check the template and the model in AI settings, then retry.',
  },
  auth: { area: 'claude', severity: 'critical', title: 'Claude refused the API key.', action: 'An admin should check ANTHROPIC_API_KEY.' },
  unknown: {
    area: 'claude',
    severity: 'error',
    title: 'The call to Claude failed unexpectedly.',
    action: 'Retry from Recovery; give an admin the reference if it fails again.',
  },
  // Generation.
  interrupted: {
    area: 'generation',
    severity: 'warning',
    title: 'A worker stopped during generation.',
    action: 'Nothing: it is picked up again automatically.',
  },
  refused: {
    area: 'generation',
    severity: 'warning',
    title: 'Claude declined to write this conversation.',
    action: 'Change the prompt or the values, then retry.',
  },
  retry_budget_exhausted: {
    area: 'generation',
    severity: 'error',
    title: 'Generation gave up after its retry budget.',
    action: 'Retry the group from Recovery once Claude answers again.',
  },
  invalid_output: {
    area: 'generation',
    severity: 'warning',
    title: 'Claude answered in a shape we could not read.',
    action: 'Nothing: it is asked again later. If it fails past the retry budget, simplify the template and retry.',
  },
  // The Message Batches API: a conversation it could not answer goes the ordinary way.
  message_batch_failed: {
    area: 'generation',
    severity: 'warning',
    title: 'The Message Batches API could not be used.',
    action: 'Nothing: the conversations are generated with ordinary calls instead.',
  },
  message_batch_errored: {
    area: 'generation',
    severity: 'warning',
    title: 'The Message Batches API could not answer this conversation.',
    action: 'Nothing: it is generated with an ordinary call instead.',
  },
  message_batch_expired: {
    area: 'generation',
    severity: 'warning',
    title: 'The Message Batches API did not answer within 24 hours.',
    action: 'Nothing: it is generated with an ordinary call instead.',
  },
  message_batch_canceled: {
    area: 'generation',
    severity: 'info',
    title: 'Its Message Batch was cancelled.',
    action: 'Nothing: it is generated with an ordinary call instead.',
  },
  message_batch_missing: {
    area: 'generation',
    severity: 'warning',
    title: 'The Message Batches API returned no result for this conversation.',
    action: 'Nothing: it is generated with an ordinary call instead.',
  },
  // Review.
  review_conflict: {
    area: 'review',
    severity: 'info',
    title: 'The conversation changed while you were reviewing it.',
    action: 'Look at the current version and decide again.',
  },
  // Exports.
  export_failed: { area: 'export', severity: 'error', title: 'An export failed.', action: 'Run it again from Recovery or the exports page.' },
  // Documents.
  unsupported_document_type: {
    area: 'documents',
    severity: 'info',
    title: 'This kind of file cannot be read.',
    action: 'Upload PDF, Word, HTML, Markdown or text.',
  },
  corrupt_document: {
    area: 'documents',
    severity: 'info',
    title: 'The file is damaged or encrypted.',
    action: 'Save it again without a password and upload it again.',
  },
  no_extractable_text: {
    area: 'documents',
    severity: 'info',
    title: 'The file has no text to read.',
    action: 'Upload a version with a text layer (not a scan).',
  },
  // Backups taken before destructive actions.
  backup_expired: {
    area: 'backups',
    severity: 'info',
    title: 'This backup has expired and its file was deleted.',
    action: 'Backups are kept for the days set under Settings → Retention; a newer backup may still hold the rows.',
  },
  backup_damaged: {
    area: 'backups',
    severity: 'error',
    title: 'The backup file is missing or damaged, so nothing was restored.',
    action: 'Check the disk under DATA_DIR/backups; restore from a newer backup or from your own copies.',
  },
  // Background jobs.
  job_failed: { area: 'jobs', severity: 'error', title: 'A background job failed for good.', action: 'Retry or delete it from Recovery.' },
} as const satisfies Record<string, ErrorCodeInfo>

export type ErrorCode = keyof typeof ERROR_CODES

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code)
}

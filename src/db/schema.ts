import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { ChunkOptions } from '../chunks/chunker'
import type { DimensionSource } from '../chunks/dimension-source'
import type { DimensionAnalysis } from '../chunks/dimensions'
import type { Section } from '../documents/sections'

type Timestamp = ColumnType<Date, Date | string, Date | string>
/** A timestamp the database fills in (default now()) unless given. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>

export const ROLES = ['admin', 'editor', 'reviewer', 'viewer'] as const
export type Role = (typeof ROLES)[number]

export interface UsersTable {
  id: Generated<string>
  email: string
  name: string
  role: Role
  password_hash: string
  disabled_at: Date | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface SessionsTable {
  /** sha256 of the cookie value: a leaked table does not leak live sessions. */
  id: string
  user_id: string
  created_at: DefaultTimestamp
  expires_at: Timestamp
  last_seen_at: DefaultTimestamp
  ip: string | null
  user_agent: string | null
}

/** A new API token waiting, sealed with its session's cookie secret, to be shown once after the redirect. */
export interface TokenRevealsTable {
  token_id: string
  session_id: string
  sealed: string
  created_at: DefaultTimestamp
}

export const TOKEN_SCOPES = ['read', 'write'] as const
export type TokenScope = (typeof TOKEN_SCOPES)[number]

export interface ApiTokensTable {
  id: Generated<string>
  user_id: string
  name: string
  token_hash: string
  /** The first characters of the token, shown in lists so people can tell tokens apart. */
  prefix: string
  scope: TokenScope
  created_at: DefaultTimestamp
  last_used_at: Date | null
  revoked_at: Date | null
}

export interface LoginThrottleTable {
  key: string
  failures: number
  window_started_at: Timestamp
  locked_until: Date | null
}

export interface WorkerHeartbeatsTable {
  worker_id: string
  hostname: string
  pid: number
  started_at: DefaultTimestamp
  last_seen_at: Timestamp
}

export const TIERS = ['T1', 'T2', 'T3'] as const
export type Tier = (typeof TIERS)[number]

export const CONVERSATION_STATUSES = [
  'draft',
  'queued',
  'generating',
  'pending_review',
  'approved',
  'rejected',
  'needs_revision',
  'failed',
  'cancelled',
] as const
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number]

export const BATCH_STATUSES = ['running', 'paused', 'cancelled', 'done'] as const
export type BatchStatus = (typeof BATCH_STATUSES)[number]

export const EXPORT_FORMATS = ['openai', 'bedrock', 'sharegpt', 'hf', 'json', 'csv', 'markdown'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export const EXPORT_STATUSES = ['queued', 'running', 'done', 'failed', 'expired'] as const
export type ExportStatus = (typeof EXPORT_STATUSES)[number]

export const REVIEW_ACTIONS = [
  'approve',
  'reject',
  'request_changes',
  'undo',
  'move_to_review',
  'auto_approve',
  'auto_reject',
  'regenerated',
  'rolled_back',
  'edited',
  'resubmitted',
] as const
export type ReviewActionKind = (typeof REVIEW_ACTIONS)[number]

export type TurnRole = 'user' | 'assistant'
export type Turn = { role: TurnRole; content: string }

/** A typed template parameter, as declared on the template. */
export type TemplateParameter = {
  name: string
  type: 'string' | 'number' | 'enum' | 'boolean'
  required: boolean
  default?: string | number | boolean
  values?: string[]
  description?: string
}

/** A template's editable fields as saved in one version (template_versions.snapshot). */
export type TemplateSnapshot = {
  name: string
  description: string
  category: string
  target_tier: Tier
  system_prompt: string
  prompt: string
  parameters: TemplateParameter[]
  min_turns: number
  max_turns: number
  quality_threshold: number
  notes: string
}

type Json<T> = ColumnType<T, T | string | undefined, T | string>
type Numeric = ColumnType<number, number | string | undefined, number | string>
type Int = ColumnType<number, number | undefined, number>

export interface TemplatesTable {
  id: Generated<string>
  name: string
  description: Generated<string>
  category: Generated<string>
  target_tier: ColumnType<Tier, Tier | undefined, Tier>
  system_prompt: string
  prompt: string
  parameters: Json<TemplateParameter[]>
  min_turns: Int
  max_turns: Int
  quality_threshold: Numeric
  notes: Generated<string>
  /** The number of the newest template_versions row. */
  version: Int
  archived_at: Date | null
  created_by: string | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface TemplateVersionsTable {
  id: Generated<string>
  template_id: string
  version: number
  snapshot: Json<TemplateSnapshot>
  created_by: string | null
  created_at: DefaultTimestamp
}

export type PriceOverrides = { input?: number; output?: number; cache_write?: number; cache_read?: number }

export interface ScenariosTable {
  id: Generated<string>
  template_id: string
  name: string
  persona: Generated<string>
  emotion: Generated<string>
  topic: Generated<string>
  context: Generated<string>
  intent: Generated<string>
  tone: Generated<string>
  values: Json<Record<string, string | number | boolean>>
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface EdgeCasesTable {
  id: Generated<string>
  scenario_id: string
  name: string
  type: Generated<string>
  description: string
  complexity: Int
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

export interface AiSettingsTable {
  id: Generated<string>
  model: string
  max_tokens: number
  /** No longer set (the Messages API no longer takes it); kept so past settings stay readable. */
  temperature: ColumnType<number | null, number | string | null | undefined, number | string | null>
  requests_per_minute: number
  max_concurrency: number
  max_retries: number
  timeout_ms: number
  max_batch_size: number
  /** How long transient Claude errors are retried, from a conversation's first attempt. */
  retry_budget_minutes: Int
  created_by: string | null
  created_at: DefaultTimestamp
  /** The named configuration these values came from (null for changes made before configurations). */
  configuration_id: string | null
  /** Prices changed from the model's list prices, dollars per million tokens. */
  prices: Json<PriceOverrides>
  /** What the Message Batches API bills, as a share of the standard price. */
  batch_discount: ColumnType<number, number | string | undefined, number | string>
}

export interface BatchesTable {
  id: Generated<string>
  name: string
  template_id: string
  template_version_id: string
  status: ColumnType<BatchStatus, BatchStatus | undefined, BatchStatus>
  settings: Json<Record<string, unknown>>
  estimate: Json<Record<string, unknown>>
  total: Int
  input_tokens: Int
  output_tokens: Int
  cost_usd: Numeric
  simulated: ColumnType<boolean, boolean | undefined, boolean>
  /** Sent through the Message Batches API instead of one call per conversation. */
  uses_message_batches: ColumnType<boolean, boolean | undefined, boolean>
  /** The API's id once submitted. */
  message_batch_id: string | null
  created_by: string | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
  finished_at: Date | null
}

export interface ConversationsTable {
  id: Generated<string>
  batch_id: string | null
  template_id: string | null
  template_version_id: string | null
  scenario_id: string | null
  edge_case_id: string | null
  tier: Tier
  status: ConversationStatus
  title: Generated<string>
  persona: Generated<string>
  emotion: Generated<string>
  topic: Generated<string>
  parameters: Json<Record<string, unknown>>
  system_prompt: Generated<string>
  prompt: Generated<string>
  turns: Json<Turn[]>
  turn_count: Int
  quality_score: ColumnType<number | null, number | string | null | undefined, number | string | null>
  quality_parts: Json<Record<string, number> | null>
  flagged: ColumnType<boolean, boolean | undefined, boolean>
  model: string | null
  input_tokens: Int
  output_tokens: Int
  cache_read_tokens: Int
  cache_write_tokens: Int
  cost_usd: Numeric
  generation_ms: number | null
  simulated: ColumnType<boolean, boolean | undefined, boolean>
  attempts: Int
  /** When its first attempt was claimed: the retry budget runs from here. */
  first_attempt_at: Date | null
  /** A single generation's own max_tokens (a batch's are in its settings). */
  max_tokens: number | null
  /** Set when the model returned more turns than the template allows and the result was trimmed. */
  trimmed_from_turns: number | null
  error_code: string | null
  error_message: string | null
  /** The last error's details beyond code and message (its error log reference, the cause, the budget). */
  error_details: Json<Record<string, unknown> | null>
  last_error_at: Date | null
  /** How many times it went back to the queue after an error, automatically or by a retry; never reset. */
  retry_count: Int
  version: Int
  created_by: string | null
  reviewed_by: string | null
  reviewed_at: Date | null
  deleted_at: Date | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
  /** Generated by Postgres from title, persona, emotion, topic and turn text; never written. */
  search: ColumnType<string, never, never>
  /** The chunk it was grounded in; null when none, or once that chunk was deleted or re-chunked away. */
  parent_chunk_id: string | null
  /** The source text it was generated from, kept when the chunk goes. */
  chunk_context: Json<ChunkContext | null>
  dimension_source: Json<DimensionSource | null>
}

/** What a grounded conversation keeps of its chunk, so it survives the chunk. */
export type ChunkContext = { chunk_id: string; document_id: string; document_title: string; heading_path: string[]; text: string }

export const DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'pdf', 'docx'] as const
export type DocumentFormatName = (typeof DOCUMENT_FORMATS)[number]
export const DOCUMENT_STATUSES = ['processing', 'ready', 'failed'] as const
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number]

export interface DocumentsTable {
  id: Generated<string>
  title: string
  filename: string | null
  format: DocumentFormatName
  bytes: ColumnType<number, number | bigint, number | bigint>
  sha256: string
  status: ColumnType<DocumentStatus, DocumentStatus | undefined, DocumentStatus>
  error: string | null
  /** What the ingest task is doing now ({step, done, total}), for the document page's live progress. */
  progress: Json<Record<string, unknown> | null>
  chunk_count: Int
  chunk_options: Json<ChunkOptions>
  /** The uploaded bytes, kept until their text is extracted. */
  source: Buffer | null
  text: string | null
  sections: Json<Section[] | null>
  encoding: string | null
  created_by: string | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
  /** Generated by Postgres from title and file name; never written. */
  search: ColumnType<string, never, never>
}

export interface ChunksTable {
  id: Generated<string>
  document_id: string
  ordinal: number
  heading_path: ColumnType<string[], string[] | undefined, string[]>
  text: string
  tokens: number
  char_start: number
  char_end: number
  dimensions: Json<DimensionAnalysis | null>
  dimension_source: Json<DimensionSource | null>
  /** Names from dimension_source, kept as arrays so the chunk browser's filters use an index. */
  personas: ColumnType<string[], string[] | undefined, string[]>
  emotions: ColumnType<string[], string[] | undefined, string[]>
  topics: ColumnType<string[], string[] | undefined, string[]>
  complexity: number | null
  analyzed_at: Date | null
  created_at: DefaultTimestamp
  /** Generated by Postgres from heading path and text; never written. */
  search: ColumnType<string, never, never>
  /** Generated by Postgres: pairs of adjacent lexemes of `search`, for phrase search; never written. */
  phrase_pairs: ColumnType<string[], never, never>
}

export interface ConversationVersionsTable {
  id: Generated<string>
  conversation_id: string
  version: number
  source: 'generated' | 'edited' | 'regenerated' | 'rollback' | 'seeded'
  title: Generated<string>
  turns: Json<Turn[]>
  parameters: Json<Record<string, unknown>>
  model: string | null
  quality_score: ColumnType<number | null, number | string | null | undefined, number | string | null>
  quality_parts: Json<Record<string, number> | null>
  input_tokens: Int
  output_tokens: Int
  cost_usd: Numeric
  created_by: string | null
  created_at: DefaultTimestamp
}

export interface ReviewActionsTable {
  id: Generated<string>
  conversation_id: string
  reviewer_id: string | null
  action: ReviewActionKind
  from_status: ConversationStatus
  to_status: ConversationStatus
  reasons: ColumnType<string[], string[] | undefined, string[]>
  comment: Generated<string>
  undoes_id: string | null
  created_at: DefaultTimestamp
}

/**
 * The quality page's figures, counted already (migrations/2026_12_01_1000_review_rollups.ts): triggers
 * append changes, compactQualityCounts folds them into one row per key (compacted). Read by summing.
 */
export interface ReviewDecisionCountsTable {
  /** The quarter hour the decisions were made in. */
  bucket: Date
  template_id: string | null
  reviewer_id: string | null
  to_status: ConversationStatus
  decided: number
  quality_sum: ColumnType<string, number | string, number | string>
  quality_n: number
  compacted: Generated<boolean>
}

export interface ReviewReasonCountsTable {
  bucket: Date
  template_id: string | null
  reason: string
  n: number
  compacted: Generated<boolean>
}

export interface ConversationStatusCountsTable {
  template_id: string | null
  status: ConversationStatus
  tier: Tier
  n: number
  quality_sum: ColumnType<string, number | string, number | string>
  quality_n: number
  cost_sum: ColumnType<string, number | string, number | string>
  compacted: Generated<boolean>
}

export interface ExportsTable {
  id: Generated<string>
  format: ExportFormat
  scope: Json<Record<string, unknown>>
  options: Json<Record<string, unknown>>
  status: ColumnType<ExportStatus, ExportStatus | undefined, ExportStatus>
  count: Int
  bytes: Int
  sha256: string | null
  files: Json<Array<{ name: string; path: string; bytes: number; sha256: string; count: number }>>
  report: Json<Record<string, unknown>>
  error: string | null
  duration_ms: number | null
  created_by: string | null
  created_at: DefaultTimestamp
  started_at: Date | null
  finished_at: Date | null
  expires_at: Date | null
  deleted_at: Date | null
  /** The export that ran this one again (from Recovery or the exports page). */
  replaced_by: ColumnType<string | null, string | null | undefined, string | null>
}

export interface UserPreferencesTable {
  user_id: string
  /** Only what the user changed; src/preferences/schema.ts fills in the defaults. */
  settings: Json<Record<string, unknown>>
  review_order: Generated<string>
  updated_at: DefaultTimestamp
}

export interface DB {
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  token_reveals: TokenRevealsTable
  login_throttle: LoginThrottleTable
  worker_heartbeats: WorkerHeartbeatsTable
  templates: TemplatesTable
  template_versions: TemplateVersionsTable
  scenarios: ScenariosTable
  edge_cases: EdgeCasesTable
  ai_settings: AiSettingsTable
  batches: BatchesTable
  conversations: ConversationsTable
  conversation_versions: ConversationVersionsTable
  review_actions: ReviewActionsTable
  review_decision_counts: ReviewDecisionCountsTable
  review_reason_counts: ReviewReasonCountsTable
  conversation_status_counts: ConversationStatusCountsTable
  exports: ExportsTable
  user_preferences: UserPreferencesTable
  drafts: DraftsTable
  claude_rate_limit: ClaudeRateLimitTable
  claude_leases: ClaudeLeasesTable
  review_claims: ReviewClaimsTable
  review_settings: ReviewSettingsTable
  documents: DocumentsTable
  chunks: ChunksTable
  process_metrics: ProcessMetricsTable
  health_samples: HealthSamplesTable
  maintenance_runs: MaintenanceRunsTable
  config_changes: ConfigChangesTable
  notifications: NotificationsTable
  ai_configurations: AiConfigurationsTable
  retention_settings: RetentionSettingsTable
  error_logs: ErrorLogsTable
  generation_attempts: GenerationAttemptsTable
  backups: BackupsTable
  backup_items: BackupItemsTable
}

/** One unexpected error, found again by its reference (src/error-log/record.ts writes it). */
export interface ErrorLogsTable {
  id: Generated<string>
  reference: string
  code: string
  severity: string
  area: string
  message: string
  /** Shown to admins only. */
  stack: string | null
  context: Json<Record<string, unknown>>
  created_at: DefaultTimestamp
  /** Generated by Postgres from reference, code and message; never written. */
  search: ColumnType<string, never, never>
}

export const ATTEMPT_OUTCOMES = ['generated', 'retrying', 'failed'] as const
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]

/** Each generation attempt of a conversation, as it ended. */
export interface GenerationAttemptsTable {
  id: Generated<number>
  conversation_id: string
  attempt: number
  outcome: AttemptOutcome
  code: string | null
  message: string | null
  details: Json<Record<string, unknown> | null>
  started_at: Date | null
  finished_at: DefaultTimestamp
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type ApiToken = Selectable<ApiTokensTable>

/** An unsaved form, kept per user and form key ('template:new', 'review-comment:<id>', …) as they type. */
export interface DraftsTable {
  id: Generated<string>
  user_id: string
  key: string
  /** The form's fields as typed; a field sent more than once (checkboxes) is a list. */
  fields: Json<Record<string, string | string[]>>
  /** The version of the thing the form edits when the draft was started, if it has versions. */
  base_version: number | null
  updated_at: DefaultTimestamp
}

/** The shared Claude rate limiter: the earliest time the next request may start (one row). */
export interface ClaudeRateLimitTable {
  id: ColumnType<boolean, boolean | undefined, never>
  next_at: DefaultTimestamp
}

/** One row per Claude call in flight, across all workers; expires on its own if a worker dies. */
export interface ClaudeLeasesTable {
  id: Generated<string>
  holder: string
  expires_at: Timestamp
}

/** A reviewer's lease on a conversation, so "next" skips what someone else is looking at. */
export interface ReviewClaimsTable {
  conversation_id: string
  reviewer_id: string
  expires_at: Timestamp
}

export type RejectionReason = { code: string; label: string }

/** Review settings; the newest row is active (each change is a new row: who and when). */
export interface ReviewSettingsTable {
  id: Generated<string>
  reasons: Json<RejectionReason[]>
  auto_approve_above: ColumnType<number | null, number | string | null | undefined, number | string | null>
  auto_reject_below: ColumnType<number | null, number | string | null | undefined, number | string | null>
  created_by: string | null
  created_at: DefaultTimestamp
}

/** A process's own report (every few seconds): its pool, and latency histograms of the last hour. */
export interface ProcessMetricsTable {
  process_id: string
  role: string
  hostname: string
  pid: number
  pool: Json<PoolStats>
  routes: Json<Record<string, number[]>>
  queries: Json<number[]>
  slow_queries: Json<SlowQuery[]>
  started_at: Date
  reported_at: DefaultTimestamp
}
export type PoolStats = { total: number; idle: number; waiting: number; max: number }
export type SlowQuery = { sql: string; ms: number; at: string }

/** One sample a minute of the figures the health page charts; kept a week. */
export interface HealthSamplesTable {
  taken_at: DefaultTimestamp
  values: Json<Record<string, number | null>>
}

export const MAINTENANCE_STATUSES = ['queued', 'running', 'done', 'failed'] as const
export interface MaintenanceRunsTable {
  id: Generated<string>
  table_name: string
  status: ColumnType<(typeof MAINTENANCE_STATUSES)[number], (typeof MAINTENANCE_STATUSES)[number] | undefined, (typeof MAINTENANCE_STATUSES)[number]>
  requested_by: string | null
  error: string | null
  created_at: DefaultTimestamp
  started_at: Date | null
  finished_at: Date | null
}

export const CONFIG_CHANGE_TYPES = ['preferences', 'ai_settings', 'review_settings', 'user', 'api_token', 'retention'] as const
export type ConfigChangeType = (typeof CONFIG_CHANGE_TYPES)[number]

/** The audit trail: who changed which configuration when, from what to what. */
export interface ConfigChangesTable {
  id: Generated<string>
  type: ConfigChangeType
  /** What was changed: a user's id, a token's id; null for the one AI or review configuration. */
  subject_id: string | null
  summary: string
  user_id: string | null
  old_value: Json<unknown> | null
  new_value: Json<unknown> | null
  /** Set on a rollback: the change it undid. */
  rolled_back_from: string | null
  created_at: DefaultTimestamp
}

export const NOTIFICATION_KINDS = ['batch_done', 'export_ready', 'review_needed'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

export interface NotificationsTable {
  id: Generated<string>
  user_id: string
  kind: NotificationKind
  message: string
  /** Where it leads: "review these", the export's download, the queue. */
  link: string
  read_at: Date | null
  created_at: DefaultTimestamp
}

/** A named AI configuration; the one marked active is what ai_settings (and so every worker) uses. */
export interface AiConfigurationsTable {
  id: Generated<string>
  name: string
  settings: Json<Record<string, unknown>>
  prices: Json<PriceOverrides>
  batch_discount: ColumnType<number, number | string | undefined, number | string>
  active: ColumnType<boolean, boolean | undefined, boolean>
  created_by: string | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}

/** One row: how many days the error log and backups are kept (src/settings/retention.ts). */
export interface RetentionSettingsTable {
  id: Generated<boolean>
  error_log_days: Generated<number>
  backup_days: Generated<number>
  updated_at: DefaultTimestamp
  updated_by: string | null
}

export const BACKUP_REASONS = ['bulk_delete', 'bulk_reject', 'purge_trash', 'template_delete', 'rollback', 'restore'] as const
export type BackupReason = (typeof BACKUP_REASONS)[number]
export type BackupStatus = 'writing' | 'ready' | 'expired'
/** What a restore did, kept so that restoring again answers the same. */
export type RestoreResult = { restored: number; skipped: string[] }

/** A backup taken before a destructive action (src/backups); its file is DATA_DIR/backups/<file>. */
export interface BackupsTable {
  id: Generated<string>
  reason: BackupReason
  description: Generated<string>
  status: ColumnType<BackupStatus, BackupStatus | undefined, BackupStatus>
  count: Int
  bytes: ColumnType<number, number | bigint | undefined, number | bigint>
  sha256: string | null
  file: string | null
  created_by: string | null
  created_at: DefaultTimestamp
  expires_at: ColumnType<Date, Date | string, Date | string>
  restored_at: Date | null
  restored_by: string | null
  restore_result: Json<RestoreResult | null>
}

/** A conversation (or template) a backup holds, with the row version the action left (null: deleted). */
export interface BackupItemsTable {
  backup_id: string
  item_id: string
  version_after: number | null
}

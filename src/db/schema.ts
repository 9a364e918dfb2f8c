import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

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

export interface DB {
  users: UsersTable
  sessions: SessionsTable
  api_tokens: ApiTokensTable
  login_throttle: LoginThrottleTable
  worker_heartbeats: WorkerHeartbeatsTable
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type ApiToken = Selectable<ApiTokensTable>

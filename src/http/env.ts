import type { SessionUser } from '../auth/sessions'
import type { TokenScope } from '../db/schema'
import type { Deps } from '../deps'
import type { AppError } from '../errors'
import type { Alert } from '../health/alerts'
import type { ErrorView } from './errors'

export type AppEnv = {
  Variables: Deps & {
    user: SessionUser | null
    /** How this request proved who it is: a session cookie, an API token, or not at all. */
    authVia: 'session' | 'token' | null
    tokenScope: TokenScope | null
    /** Set by `rerenderOnError`: how this route shows its form again when the request is refused. */
    errorView?: { view: ErrorView; shows: (err: AppError) => boolean }
    /** For admins: the database health alerts shown in the header (src/health/header-alerts.ts). */
    alerts?: Alert[]
  }
}

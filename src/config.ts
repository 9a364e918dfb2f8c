import { isIP } from 'node:net'
import path from 'node:path'
import { z } from 'zod'
import { ChunkOptions } from './chunks/chunker'

const origin = z.url().transform((value) => new URL(value).origin)

/** An address (`10.0.0.7`, `::1`) or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrRange(item: string): boolean {
  const [address = '', bits, extra] = item.split('/')
  const version = isIP(address)
  if (!version || extra !== undefined) return false
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128))
}

const EnvSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    EXPORT_DIR: z.string().min(1).optional(),
    EXPORT_RETENTION_HOURS: z.coerce.number().positive().default(24),
    ADMIN_EMAIL: z.email().optional(),
    ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url().optional(),
    ALLOWED_ORIGINS: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const origins: string[] = []
        for (const item of value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const parsed = origin.safeParse(item)
          if (parsed.success) origins.push(parsed.data)
          else ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin such as https://portal.example.com` })
        }
        return origins
      }),
    TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((value, ctx) => {
        const items = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
        for (const item of items.filter((i) => !isAddressOrRange(i))) {
          ctx.addIssue({ code: 'custom', message: `"${item}" is not an IP address or CIDR range such as 10.0.0.0/8` })
        }
        return items
      }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_TTL_HOURS: z.coerce
      .number()
      .positive()
      .default(24 * 7),
    MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(50 * 1024 * 1024),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
    CHUNK_MAX_TOKENS: z.coerce.number().int().optional(),
    CHUNK_OVERLAP_TOKENS: z.coerce.number().int().optional(),
    CHUNK_BY_HEADINGS: z.enum(['true', 'false']).optional(),
  })
  .refine((env) => Boolean(env.ADMIN_EMAIL) === Boolean(env.ADMIN_PASSWORD), {
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
    path: ['ADMIN_PASSWORD'],
  })

export type Config = {
  port: number
  host: string
  databaseUrl?: string
  dataDir: string
  exportDir: string
  /** Where the backups taken before destructive actions are written: DATA_DIR/backups. */
  backupDir: string
  exportRetentionMs: number
  admin?: { email: string; password: string }
  anthropicApiKey?: string
  anthropicBaseUrl?: string
  allowedOrigins: string[]
  /** Proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed. */
  trustedProxies: string[]
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL']
  sessionTtlMs: number
  maxBodyBytes: number
  /** The largest document upload (one request to /api/documents or /documents). */
  maxUploadBytes: number
  workerConcurrency: number
  /** The chunking a new document gets (each document can be re-chunked with its own). */
  chunkDefaults: ChunkOptions
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses the environment once; a bad value names the variable and what was expected. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most .env files.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(cleaned)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || 'environment'}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  // The instance's chunking defaults obey the same bounds as a document's own settings.
  const chunkDefaults = ChunkOptions.safeParse({
    max_tokens: e.CHUNK_MAX_TOKENS,
    overlap_tokens: e.CHUNK_OVERLAP_TOKENS,
    by_headings: e.CHUNK_BY_HEADINGS === undefined ? undefined : e.CHUNK_BY_HEADINGS === 'true',
  })
  if (!chunkDefaults.success) {
    const names: Record<string, string> = { max_tokens: 'CHUNK_MAX_TOKENS', overlap_tokens: 'CHUNK_OVERLAP_TOKENS', by_headings: 'CHUNK_BY_HEADINGS' }
    const lines = chunkDefaults.error.issues.map((issue) => `  ${names[String(issue.path[0])] ?? 'CHUNK_MAX_TOKENS'}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const dataDir = path.resolve(e.DATA_DIR)
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    exportDir: path.resolve(e.EXPORT_DIR ?? path.join(dataDir, 'exports')),
    backupDir: path.join(dataDir, 'backups'),
    exportRetentionMs: e.EXPORT_RETENTION_HOURS * 3600_000,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    anthropicApiKey: e.ANTHROPIC_API_KEY,
    anthropicBaseUrl: e.ANTHROPIC_BASE_URL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    trustedProxies: e.TRUSTED_PROXIES,
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    workerConcurrency: e.WORKER_CONCURRENCY,
    chunkDefaults: chunkDefaults.data,
  }
}

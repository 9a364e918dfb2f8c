import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { compress } from 'hono/compress'
import { routePath } from 'hono/route'
import type { Deps } from '../deps'
import { PayloadTooLarge } from '../errors'
import { recordRequest } from '../health/process-metrics'
import type { AppEnv } from './env'

/** Puts the shared dependencies on every request's context. */
export function provide(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('db', deps.db)
    c.set('config', deps.config)
    c.set('log', deps.log)
    c.set('pool', deps.pool)
    await next()
  }
}

/**
 * One line per request: method, path (no query: it may carry search terms), status, milliseconds;
 * and its time in this process's latency histogram under the route's pattern (the health page).
 */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now()
  await next()
  const ms = Math.round((performance.now() - started) * 10) / 10
  c.var.log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'request')
  // After next(), the route index is the handler that answered (not a later middleware that matched too).
  const pattern = routePath(c)
  recordRequest(`${c.req.method} ${pattern === '/*' || pattern === '*' ? '(no route)' : pattern}`, ms)
}

/** Where documents are uploaded: these bodies may be as large as MAX_UPLOAD_BYTES. */
const UPLOAD_PATH = /^\/(api\/)?documents\/?$/
/** Room for the multipart envelope (boundaries, part headers) around an upload of the full size. */
const ENVELOPE_BYTES = 64 * 1024

/** Holds every request body to MAX_BODY_BYTES, except document uploads, held to MAX_UPLOAD_BYTES. */
export function limitBody(limits: { maxBodyBytes: number; maxUploadBytes: number }): MiddlewareHandler<AppEnv> {
  const body = bodyLimit({
    maxSize: limits.maxBodyBytes,
    onError: () => {
      throw new PayloadTooLarge(`The request body is larger than the ${Math.round(limits.maxBodyBytes / 1024)} KiB this server accepts.`)
    },
  })
  const upload = bodyLimit({
    maxSize: limits.maxUploadBytes + ENVELOPE_BYTES,
    onError: () => {
      throw uploadTooLarge(limits.maxUploadBytes)
    },
  })
  return (c, next) => (c.req.method === 'POST' && UPLOAD_PATH.test(c.req.path) ? upload(c, next) : body(c, next))
}

export function uploadTooLarge(maxUploadBytes: number): PayloadTooLarge {
  const size = maxUploadBytes >= 1024 * 1024 ? `${+(maxUploadBytes / 1024 / 1024).toFixed(1)} MB` : `${+(maxUploadBytes / 1024).toFixed(1)} KB`
  return new PayloadTooLarge(
    `The upload is larger than the ${size} this server accepts for a document (MAX_UPLOAD_BYTES). Split the document into smaller files, or ask an administrator to raise the limit.`,
  )
}

const gzip = compress()
/** Compresses responses, except event streams, which must reach the browser as they are written. */
export const compressResponses: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header('accept')?.includes('text/event-stream')) return next()
  return gzip(c, next)
}

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Referrer-Policy', 'same-origin')
  c.header('X-Frame-Options', 'DENY')
  c.header(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'",
  )
}

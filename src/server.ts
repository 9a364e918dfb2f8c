import { type ServerType, serve } from '@hono/node-server'
import type { Hono } from 'hono'
import type { AppEnv } from './http/env'

export type WebServer = { url: string; close: () => Promise<void> }

export const CLOSE_GRACE_MS = 2_000

/**
 * Listens on host:port; close() stops accepting, lets requests in flight finish for up to
 * CLOSE_GRACE_MS (the whole stop must fit in 5 s), then drops idle and stuck sockets.
 */
export function startServer(app: Hono<AppEnv>, host: string, port: number): Promise<WebServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType
    const onError = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} on ${host} is already in use: set PORT to a free port.`) : err)
    server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
      server.off('error', onError)
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host
      resolve({
        url: `http://${shownHost}:${info.port}`,
        close: () =>
          new Promise((done) => {
            const force = setTimeout(() => 'closeAllConnections' in server && server.closeAllConnections(), CLOSE_GRACE_MS)
            force.unref()
            if ('closeIdleConnections' in server) server.closeIdleConnections()
            server.close(() => {
              clearTimeout(force)
              done()
            })
          }),
      })
    })
    server.once('error', onError)
  })
}

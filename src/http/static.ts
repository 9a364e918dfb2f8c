import { readFile } from 'node:fs/promises'
import { findPackageJSON } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Hono } from 'hono'
import type { AppEnv } from './env'

const publicDir = fileURLToPath(new URL('../../public/', import.meta.url))

/**
 * Browser libraries come from node_modules, so the app works offline (no CDN). The package's folder
 * is found through its package.json, which works also for packages whose `exports` do not list it.
 */
function packageFile(pkg: string, file: string): string {
  const manifest = findPackageJSON(pkg, import.meta.url)
  if (!manifest) throw new Error(`${pkg} is not installed: run npm ci`)
  return path.join(path.dirname(manifest), file)
}
const VENDOR: Record<string, string> = {
  'htmx.min.js': packageFile('htmx.org', 'dist/htmx.min.js'),
  'hotkeys.min.js': packageFile('hotkeys-js', 'dist/hotkeys-js.min.js'),
  'chart.umd.min.js': packageFile('chart.js', 'dist/chart.umd.min.js'),
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  png: 'image/png',
}

// Static files are small and fixed for the life of the process: read each once.
const cache = new Map<string, Promise<Buffer | null>>()
function load(file: string): Promise<Buffer | null> {
  let entry = cache.get(file)
  if (!entry) {
    entry = readFile(file).catch(() => null)
    cache.set(file, entry)
  }
  return entry
}

export const staticRoutes = new Hono<AppEnv>()

staticRoutes.get('/vendor/:file', async (c, next) => {
  const file = VENDOR[c.req.param('file')]
  return file ? serve(c.req.param('file'), await load(file)) : next()
})

staticRoutes.get('/static/:file{[A-Za-z0-9._-]+}', async (c, next) => {
  const name = c.req.param('file')
  const body = name.includes('..') ? null : await load(publicDir + name)
  return body ? serve(name, body) : next()
})

function serve(name: string, body: Buffer | null): Response {
  if (!body) return new Response('Not found', { status: 404 })
  const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream'
  return new Response(new Uint8Array(body), {
    headers: { 'content-type': type, 'cache-control': 'public, max-age=3600' },
  })
}

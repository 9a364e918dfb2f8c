import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * `npm run bench`: runs every test/bench/*.bench.ts in its own process, one after another, so
 * each measures on a quiet machine. `npm run bench -- http` runs only the files matching "http".
 */
const dir = fileURLToPath(new URL('.', import.meta.url))
const filter = process.argv[2]
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort()
let failed = 0
for (const file of files) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' })
  if (result.status !== 0) {
    failed++
    console.error(`\n${file} failed with exit code ${result.status}`)
  }
}
process.exit(failed ? 1 : 0)

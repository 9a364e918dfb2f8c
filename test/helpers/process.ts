import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

export type AppProcess = {
  child: ChildProcess
  output: () => string
  /** Resolves when a line of output matches. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Runs `src/main.ts` as its own process, exactly as `npm start` does, with the given environment. */
export function runApp(args: string[], env: Record<string, string>): AppProcess {
  return watch(
    spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  )
}

/**
 * Runs `npm start -- …args` as a person or a service manager does: the child is npm itself. It
 * leads its own process group, so that a test can clean up whatever it leaves behind.
 */
export function runNpmStart(args: string[], env: Record<string, string>): AppProcess {
  return watch(
    spawn('npm', ['start', '--', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    }),
  )
}

/** Pids of the processes (other than this one) whose command line or environment mentions `text`, e.g. a DATA_DIR. */
export function processesMentioning(text: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid) continue
    const read = (file: string) => {
      try {
        return readFileSync(`/proc/${pid}/${file}`, 'latin1')
      } catch {
        return '' // gone meanwhile, or not ours to read
      }
    }
    if (read('cmdline').includes(text) || read('environ').includes(text)) pids.push(pid)
  }
  return pids
}

function watch(child: ChildProcess): AppProcess {
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output)
          if (match) {
            listeners.delete(check)
            clearTimeout(timer)
            resolve(match[0])
          }
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`))
        }, timeoutMs)
        listeners.add(check)
        void exited.then(() =>
          setTimeout(() => {
            if (listeners.has(check)) {
              listeners.delete(check)
              clearTimeout(timer)
              reject(new Error(`process exited before ${pattern}; output:\n${output}`))
            }
          }, 50),
        )
        check()
      }),
  }
}

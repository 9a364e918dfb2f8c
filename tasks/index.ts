import type { TaskList } from 'graphile-worker'
import type { Deps } from '../src/http/env'
import cleanup_sessions from './cleanup_sessions'

/** The task list: each file in this folder is one task, named as its identifier. */
export function taskList(deps: Deps): TaskList {
  return {
    cleanup_sessions: cleanup_sessions(deps),
  }
}

export const CRONTAB = ['0 * * * * cleanup_sessions'].join('\n')

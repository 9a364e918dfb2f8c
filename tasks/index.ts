import type { TaskList } from 'graphile-worker'
import type { Deps } from '../src/deps'
import analyze_chunk from './analyze_chunk'
import bulk_conversations from './bulk_conversations'
import clean_error_log from './clean_error_log'
import cleanup_sessions from './cleanup_sessions'
import compact_quality_counts from './compact_quality_counts'
import expire_backups from './expire_backups'
import expire_exports from './expire_exports'
import export_conversations from './export_conversations'
import generate_conversation from './generate_conversation'
import ingest_document from './ingest_document'
import judge_grounding from './judge_grounding'
import message_batch from './message_batch'
import purge_trash from './purge_trash'
import retry_failed from './retry_failed'
import sample_health from './sample_health'
import vacuum_table from './vacuum_table'

/** The task list: each file in this folder is one task, named as its identifier. */
export function taskList(deps: Deps): TaskList {
  return {
    analyze_chunk: analyze_chunk(deps),
    bulk_conversations: bulk_conversations(deps),
    clean_error_log: clean_error_log(deps),
    compact_quality_counts: compact_quality_counts(deps),
    cleanup_sessions: cleanup_sessions(deps),
    generate_conversation: generate_conversation(deps),
    export_conversations: export_conversations(deps),
    expire_backups: expire_backups(deps),
    expire_exports: expire_exports(deps),
    ingest_document: ingest_document(deps),
    judge_grounding: judge_grounding(deps),
    message_batch: message_batch(deps),
    purge_trash: purge_trash(deps),
    retry_failed: retry_failed(deps),
    sample_health: sample_health(deps),
    vacuum_table: vacuum_table(deps),
  }
}

export const CRONTAB = [
  '0 * * * * cleanup_sessions',
  '*/5 * * * * expire_exports',
  '30 * * * * purge_trash',
  '40 * * * * clean_error_log',
  '15 * * * * expire_backups',
  '* * * * * sample_health',
  '* * * * * compact_quality_counts',
].join('\n')

import type { ExportFormat } from '../../db/schema'
import { bedrock } from './bedrock'
import { csv } from './csv'
import type { FormatWriter } from './format'
import { hf } from './hf'
import { json } from './json'
import { markdown } from './markdown'
import { openai } from './openai'
import { sharegpt } from './sharegpt'

export const WRITERS: Record<ExportFormat, FormatWriter> = { openai, bedrock, sharegpt, hf, json, csv, markdown }

import { type Logger, pino } from 'pino'

export type { Logger }

/** Structured JSON logs; anything that may hold a secret is redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'headers.authorization', 'headers.cookie', 'databaseUrl', '*.databaseUrl'],
      censor: '[redacted]',
    },
  })
}

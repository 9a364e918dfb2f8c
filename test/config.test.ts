import { expect, test } from 'vitest'
import { ConfigError, loadConfig } from '../src/config'

test('defaults fill in everything that is unset', () => {
  const config = loadConfig({})
  expect(config.port).toBe(3000)
  expect(config.host).toBe('127.0.0.1')
  expect(config.databaseUrl).toBeUndefined()
  expect(config.dataDir).toMatch(/\/data$/)
  expect(config.exportDir).toBe(`${config.dataDir}/exports`)
  expect(config.allowedOrigins).toEqual([])
  expect(config.logLevel).toBe('info')
})

test('a bad value stops start-up with a message naming the variable and what was expected', () => {
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError)
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT: .*number/)
  expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/)
  expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/)
  expect(() => loadConfig({ ALLOWED_ORIGINS: 'https://ok.example, not a url' })).toThrow(/ALLOWED_ORIGINS: "not a url" is not an origin/)
})

test('the admin email and password must come together', () => {
  expect(() => loadConfig({ ADMIN_EMAIL: 'a@example.com' })).toThrow(/ADMIN_EMAIL and ADMIN_PASSWORD must be set together/)
  expect(() => loadConfig({ ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD: must be at least 8/)
  expect(loadConfig({ ADMIN_EMAIL: 'a@example.com', ADMIN_PASSWORD: 'long enough' }).admin).toEqual({
    email: 'a@example.com',
    password: 'long enough',
  })
})

test('allowed origins are normalised to bare origins and empty variables count as unset', () => {
  const config = loadConfig({ ALLOWED_ORIGINS: 'https://portal.example.com/path, http://tools.internal:8080', PORT: '', EXPORT_DIR: '/srv/exports' })
  expect(config.allowedOrigins).toEqual(['https://portal.example.com', 'http://tools.internal:8080'])
  expect(config.port).toBe(3000)
  expect(config.exportDir).toBe('/srv/exports')
})

test('trusted proxies are addresses or CIDR ranges; anything else names the variable', () => {
  expect(loadConfig({}).trustedProxies).toEqual([])
  expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.10,fd00::/8 , ::1' }).trustedProxies).toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1'])
  for (const bad of ['10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/2', '::1/129', '10.0.0/8']) {
    expect(() => loadConfig({ TRUSTED_PROXIES: bad }), bad).toThrow(/TRUSTED_PROXIES: ".*" is not an IP address or CIDR range/)
  }
})

test('the chunking defaults for new documents come from the environment, within the bounds a document has', () => {
  expect(loadConfig({}).chunkDefaults).toEqual({ max_tokens: 512, overlap_tokens: 64, by_headings: true })
  expect(loadConfig({ CHUNK_MAX_TOKENS: '256', CHUNK_OVERLAP_TOKENS: '32', CHUNK_BY_HEADINGS: 'false' }).chunkDefaults).toEqual({
    max_tokens: 256,
    overlap_tokens: 32,
    by_headings: false,
  })
  expect(() => loadConfig({ CHUNK_MAX_TOKENS: '10' })).toThrow(/CHUNK_MAX_TOKENS/)
  expect(() => loadConfig({ CHUNK_MAX_TOKENS: '100', CHUNK_OVERLAP_TOKENS: '80' })).toThrow(/CHUNK_OVERLAP_TOKENS: overlap_tokens must be at most half/)
  expect(() => loadConfig({ CHUNK_BY_HEADINGS: 'sometimes' })).toThrow(/CHUNK_BY_HEADINGS/)
})

import http from 'node:http'

/**
 * A load generator run as its own process (so it does not share the server's event loop):
 * `connections` keep-alive loops GET `url` for `seconds`, recording every latency.
 * Prints one JSON line: requests/second, status counts, and exact latency percentiles.
 */
const [url, connections = '50', seconds = '10', cookie = ''] = process.argv.slice(2)
if (!url) throw new Error('usage: load-driver URL [connections] [seconds] [cookie]')

const agent = new http.Agent({ keepAlive: true, maxSockets: Number(connections) })
const latencies: number[] = []
const statuses: Record<number, number> = {}
const deadline = performance.now() + Number(seconds) * 1000

function get(): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const req = http.get(url!, { agent, headers: { cookie, 'accept-encoding': 'gzip' } }, (res) => {
      res.resume()
      res.on('end', () => {
        latencies.push(performance.now() - started)
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1
        resolve()
      })
    })
    req.on('error', reject)
  })
}

async function loop(): Promise<void> {
  while (performance.now() < deadline) await get()
}

const started = performance.now()
await Promise.all(Array.from({ length: Number(connections) }, loop))
const elapsed = (performance.now() - started) / 1000
latencies.sort((a, b) => a - b)
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]
console.log(
  JSON.stringify({ requests: latencies.length, rps: latencies.length / elapsed, statuses, p50: at(50), p95: at(95), p99: at(99), max: latencies.at(-1) }),
)
agent.destroy()

import { BlockList, isIP } from 'node:net'
import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import type { AppEnv } from './env'

/** `::ffff:10.0.0.7` (an IPv4 peer on a dual-stack socket) is `10.0.0.7`. */
function plain(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped ? mapped[1]! : address
}

const proxyLists = new WeakMap<string[], BlockList>()
function trustedProxies(ranges: string[]): BlockList {
  let list = proxyLists.get(ranges)
  if (!list) {
    list = new BlockList()
    for (const range of ranges) {
      const [address = '', bits] = range.split('/')
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
      if (bits === undefined) list.addAddress(plain(address), type)
      else list.addSubnet(address, Number(bits), type)
    }
    proxyLists.set(ranges, list)
  }
  return list
}

const isTrusted = (list: BlockList, address: string) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')

/** The peer address, when the request came through a real socket (not in plain `app.request` tests). */
function peerAddress(c: Context): string | null {
  try {
    const address = getConnInfo(c).remote.address
    return address ? plain(address) : null
  } catch {
    return null
  }
}

/**
 * The client's address. X-Forwarded-For is believed only from TRUSTED_PROXIES: read from the
 * right, each hop added by a trusted proxy is skipped, and the first address a trusted proxy saw
 * connect is the client. Anyone else's X-Forwarded-For is ignored, so it cannot be forged.
 */
export function clientIp(c: Context<AppEnv>): string | null {
  const peer = peerAddress(c)
  if (!peer) return null
  const trusted = trustedProxies(c.var.config.trustedProxies)
  let client = peer
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((hop) => plain(hop.trim()))
  while (isTrusted(trusted, client)) {
    const hop = hops.pop()
    if (hop === undefined || !isIP(hop)) break
    client = hop
  }
  return client
}

import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { PassThrough, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'

export type WrittenFile = { bytes: number; sha256: string }
/** How the sink opens its temporary file; tests substitute a failing disk. */
export type OpenFile = (path: string) => Promise<FileHandle>

const openExclusive: OpenFile = (path) => open(path, 'wx', 0o640)

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset)
    offset += bytesWritten
  }
}

/**
 * A file written under a temporary name unique to this attempt, in the same directory as its final
 * name, with a running sha256 and byte count of what lands on disk (after gzip when asked). Only
 * `commit` (fsync, then an atomic rename) makes it visible under the final name; `abort` removes it.
 */
export class FileSink {
  private constructor(
    readonly finalPath: string,
    private readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly input: PassThrough | ReturnType<typeof createGzip>,
    private readonly done: Promise<void>,
    private readonly totals: { bytes: number; hash: ReturnType<typeof createHash> },
  ) {}

  static async open(finalPath: string, options: { gzip: boolean; gzipLevel?: number; openFile?: OpenFile }): Promise<FileSink> {
    const tempPath = `${finalPath}.${randomBytes(6).toString('hex')}.tmp`
    const handle = await (options.openFile ?? openExclusive)(tempPath)
    const totals = { bytes: 0, hash: createHash('sha256') }
    const disk = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        totals.hash.update(chunk)
        totals.bytes += chunk.length
        writeAll(handle, chunk).then(() => callback(), callback)
      },
      final(callback) {
        handle.sync().then(() => callback(), callback)
      },
    })
    const input = options.gzip ? createGzip({ level: options.gzipLevel }) : new PassThrough()
    const done = pipeline(input, disk)
    done.catch(() => undefined) // observed by write/commit; never an unhandled rejection
    return new FileSink(finalPath, tempPath, handle, input, done, totals)
  }

  /** Resolves once the text is accepted (waiting while the disk is behind); rejects on a write error. */
  async write(text: string): Promise<void> {
    if (text && !this.input.write(text)) await Promise.race([once(this.input, 'drain'), this.done])
  }

  async commit(): Promise<WrittenFile> {
    this.input.end()
    await this.done
    await this.handle.close()
    await rename(this.tempPath, this.finalPath)
    return { bytes: this.totals.bytes, sha256: this.totals.hash.digest('hex') }
  }

  async abort(): Promise<void> {
    this.input.destroy()
    await this.done.catch(() => undefined)
    await this.handle.close().catch(() => undefined)
    await rm(this.tempPath, { force: true })
  }
}

/**
 * Files: nothing lost, nothing clobbered (issue 9, part 4). Real files, real SQLite; a full disk
 * is a child process under `ulimit -f` (testing/write-child.ts).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, recordSession, SessionError } from './index'
import { tempDir, thrownMessage } from './testing/fixtures'
import { verifySession } from './verify'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const child = join(import.meta.dirname, 'testing', 'write-child.ts')

const SOURCE = { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 200, seed: 3 } as const

function record(out: string, extra: Partial<Parameters<typeof recordSession>[0]> = {}) {
  return recordSession({ source: SOURCE, policy: 'free-obsolete', out, ...extra })
}

/** Files in `dir` other than `keep`: temporary files left behind. */
function leftovers(dir: string, keep: string[]): string[] {
  return readdirSync(dir).filter((f) => !keep.includes(f))
}

/** Runs testing/write-child.ts with a file size limit (512-byte blocks), SIGXFSZ ignored. */
function limited(blocks: number, cmd: object, writerThread = false): { code: number; out: string; err: string } {
  const r = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f ${blocks}; exec "$0" --import tsx "$1" "$2"`, process.execPath, child, JSON.stringify(cmd)],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ROOTLAB_WRITER_THREAD: writerThread ? '1' : '' } })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

describe('record --force', () => {
  let dir: string
  let old: string
  let oldBytes: Buffer
  beforeAll(() => {
    dir = tmp.file('force')
    mkdirSync(dir)
    old = join(dir, 'old.rootlab')
    record(old)
    oldBytes = readFileSync(old)
  })

  it('replaces only a regular file: a FIFO, a device-like node or a symbolic link is refused and left alone', () => {
    const fifo = join(dir, 'fifo')
    spawnSync('mkfifo', [fifo])
    expect(thrownMessage(() => record(fifo, { force: true }))).toBe(`${fifo} is not a regular file; only a regular file is replaced`)
    expect(statSync(fifo).isFIFO()).toBe(true)
    const link = join(dir, 'link.rootlab')
    symlinkSync(old, link)
    expect(thrownMessage(() => record(link, { force: true }))).toBe(`${link} is a symbolic link; only a regular file is replaced`)
    expect(readFileSync(old).equals(oldBytes)).toBe(true)
  })

  it('never deletes a -wal / -journal / -shm beside the target: it refuses to write next to a -wal or -journal', () => {
    for (const side of ['-wal', '-journal']) {
      const out = join(dir, `side${side}.rootlab`)
      writeFileSync(`${out}${side}`, 'not yours')
      expect(thrownMessage(() => record(out))).toMatch(new RegExp(`^${out}${side} exists .*remove it or choose another name$`))
      expect(readFileSync(`${out}${side}`, 'utf8')).toBe('not yours')
      expect(existsSync(out)).toBe(false)
    }
    const out = join(dir, 'shm.rootlab')
    record(out)
    writeFileSync(`${out}-shm`, 'not yours either')
    record(out, { force: true })
    expect(readFileSync(`${out}-shm`, 'utf8')).toBe('not yours either')
    expect(openSession(out).info().complete).toBe(true)
  })

  it('writes beside the target and renames: a cancelled or failed replace leaves the old file as it was', () => {
    const abort = new AbortController()
    abort.abort()
    const r = record(old, { force: true, signal: abort.signal })
    expect(r).toMatchObject({ cancelled: true, written: false })
    expect(readFileSync(old).equals(oldBytes)).toBe(true)
    // A source that fails half-way (an op the model refuses, after 500 good ones).
    const ops = [...Array.from({ length: 500 }, () => ({ op: 'run' as const, vcpu: 0 })), { op: 'run' as const, vcpu: 7 }]
    const msg = thrownMessage(() => recordSession({ source: { type: 'ops', name: 'bad ops', vcpus: 2, ops }, policy: 'free-obsolete', out: old, force: true }))
    expect(msg).toMatch(/^bad ops: op 500/)
    expect(readFileSync(old).equals(oldBytes)).toBe(true)
    expect(leftovers(dir, readdirSync(dir).filter((f) => !f.startsWith('.')))).toEqual([])
    // A completed replace replaces it.
    const done = record(old, { force: true, source: { ...SOURCE, seed: 4 } })
    expect(done.written).toBe(true)
    expect(openSession(old).info().digest).toBe(done.digest)
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([])
  })
})

describe('a full disk while recording', () => {
  it.each([['inline', false], ['on its own thread', true]] as const)('names the output file and leaves an incomplete session with every committed transition (writer %s)', (_w, thread) => {
    const dir = tmp.file(`full-${thread}`)
    mkdirSync(dir)
    const out = join(dir, 'full.rootlab')
    // 8 MiB per file: the database stops growing during a WAL checkpoint, then the WAL fills.
    const r = limited(16384, { do: 'record', out, steps: 400_000 }, thread)
    expect(r.code).toBe(1)
    expect(r.err).toBe(`SessionError: ${out}: cannot write (disk I/O error); the file holds every transition committed before, as an incomplete session\n`)
    const s = openSession(out)
    try {
      const info = s.info()
      expect(info.complete).toBe(false)
      expect(info.transitions).toBeGreaterThan(50_000)
    } finally {
      s.close()
    }
    const v = verifySession(out)
    expect(v.damaged).toEqual([])
    expect(v.checked.complete).toBe(false)
  })

  it('on a replace, names the output and leaves the old file and no temporary file', () => {
    const dir = tmp.file('full-replace')
    mkdirSync(dir)
    const out = join(dir, 'old.rootlab')
    record(out)
    const before = readFileSync(out)
    const r = limited(4096, { do: 'record', out, steps: 400_000, force: true })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(new RegExp(`^SessionError: ${out}: cannot write \\(.*\\); the old file is unchanged\\n$`))
    expect(readFileSync(out).equals(before)).toBe(true)
    expect(readdirSync(dir)).toEqual(['old.rootlab'])
  })
})

describe('export', () => {
  let src: string
  beforeAll(() => {
    src = tmp.file('src.rootlab')
    recordSession({ source: { ...SOURCE, steps: 20_000 }, policy: 'free-obsolete', out: src })
  })

  it('that fails leaves no partial file and names the output, not the input', () => {
    const dir = tmp.file('export-full')
    mkdirSync(dir)
    for (const format of ['perfetto', 'db']) {
      const out = join(dir, `out.${format}`)
      const r = limited(512, { do: 'export', src, out, format })
      expect(r.code).toBe(1)
      expect(r.err).toMatch(new RegExp(`^SessionError: ${out} cannot be written \\(`))
      expect(r.err).not.toContain(src)
      expect(readdirSync(dir)).toEqual([])
    }
  })

  it('replaces an existing regular file only when asked to', () => {
    const out = tmp.file('copy.rootlab')
    writeFileSync(out, 'old')
    const s = openSession(src)
    try {
      const e = thrownMessage(() => s.exportDb(out))
      expect(e).toMatch(/already exists/)
      expect(readFileSync(out, 'utf8')).toBe('old')
      s.exportDb(out, { replace: true })
      expect(openSession(out).info().complete).toBe(true)
    } finally {
      s.close()
    }
  })

  it('of a damaged session names the input and leaves no file', async () => {
    const { flipChunkByte } = await import('./testing/damage')
    const bad = tmp.copy(src)
    flipChunkByte(bad)
    const out = tmp.file('bad.trace.json')
    const s = openSession(bad)
    try {
      let err: unknown
      try {
        s.exportPerfetto(out)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(SessionError)
      expect((err as Error).message).toMatch(new RegExp(`^${bad} is damaged \\(transitions \\d+ to \\d+: the checksum does not match\\)$`))
      expect(existsSync(out)).toBe(false)
    } finally {
      s.close()
    }
  })
})

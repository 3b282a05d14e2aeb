import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync, closeSync, existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, recordSession, SessionError } from './index'
import { tempDir } from './testing/fixtures'

const tmp = tempDir()
let good: string
beforeAll(() => {
  good = tmp.file('good.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 600, seed: 4 }, policy: 'free-obsolete', out: good })
})
afterAll(() => tmp.cleanup())

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')

/** The message of the SessionError that opening `file` (and reading all of it) throws. */
function refusal(file: string): string {
  try {
    const s = openSession(file)
    try {
      s.digest()
      s.stateAt(s.total)
    } finally {
      s.close()
    }
  } catch (e) {
    expect(e).toBeInstanceOf(SessionError)
    expect((e as Error).message).not.toContain('\n')
    return (e as Error).message
  }
  return 'opened without error'
}

describe('opening a file that is not a good session', () => {
  it('names a missing file', () => {
    expect(refusal(tmp.file('missing.rootlab'))).toBe(`${tmp.file('missing.rootlab')} does not exist`)
  })

  it('refuses an empty file, a text file and a directory', () => {
    const empty = tmp.file('empty.rootlab')
    writeFileSync(empty, '')
    expect(refusal(empty)).toMatch(/empty\.rootlab is empty, not a Root Lab session/)
    const text = tmp.file('notes.rootlab')
    writeFileSync(text, 'hello, this is not a database at all\n'.repeat(10))
    expect(refusal(text)).toMatch(/notes\.rootlab is not a Root Lab session \(it is not an SQLite database\)/)
    const dir = tmp.file('folder.rootlab')
    mkdirSync(dir)
    expect(refusal(dir)).toMatch(/folder\.rootlab is a directory/)
  })

  it('refuses an SQLite database of another program', () => {
    const other = tmp.file('other.db')
    const db = new Database(other)
    db.exec('CREATE TABLE songs (title TEXT)')
    db.close()
    expect(refusal(other)).toMatch(/other\.db is not a Root Lab session \(it is an SQLite database of another program\)/)
  })

  it('refuses a session written by a newer schema', () => {
    const newer = tmp.file('newer.rootlab')
    copyFileSync(good, newer)
    const db = new Database(newer)
    db.pragma('user_version = 99')
    db.close()
    expect(refusal(newer)).toMatch(/newer\.rootlab was written by a newer Root Lab \(session schema 99; this version reads schema \d+/)
  })

  it('refuses a truncated file', () => {
    const cut = tmp.file('cut.rootlab')
    copyFileSync(good, cut)
    truncateSync(cut, Math.floor(statSync(cut).size / 2))
    expect(refusal(cut)).toMatch(/cut\.rootlab is truncated/)
    const tiny = tmp.file('tiny.rootlab')
    writeFileSync(tiny, readFileSync(good).subarray(0, 60))
    expect(refusal(tiny)).toMatch(/tiny\.rootlab is truncated/)
  })

  it('refuses a file whose pages are overwritten with garbage', () => {
    const size = statSync(good).size
    for (const [i, at] of [0.3, 0.6, 0.9].entries()) {
      const bad = tmp.file(`corrupt-${i}.rootlab`)
      copyFileSync(good, bad)
      const fd = openSync(bad, 'r+')
      const junk = Buffer.alloc(8192)
      for (let j = 0; j < junk.length; j++) junk[j] = (j * 131 + 7 * i) & 0xff
      writeSync(fd, junk, 0, junk.length, Math.floor((size * at) / 4096) * 4096)
      closeSync(fd)
      expect(refusal(bad)).toMatch(/corrupt-\d\.rootlab is damaged/)
    }
  })
})

describe('a read-only open', () => {
  it('never writes the session file', () => {
    const before = sha(good)
    const mtime = statSync(good).mtimeMs
    const s = openSession(good)
    s.info()
    s.stateAt(s.total)
    s.transitions({ from: 1, limit: 100 })
    s.sql('SELECT count(*) FROM operations')
    s.density(100)
    s.close()
    expect(sha(good)).toBe(before)
    expect(statSync(good).mtimeMs).toBe(mtime)
    expect(existsSync(`${good}-wal`)).toBe(false)
  })
})

/**
 * What a crafted session file can make `rootlab` print: its text values (scenario, policy,
 * parameters, finding messages) reach the terminal, so a control character in them must arrive
 * escaped — it must not retitle the terminal, clear it, or forge a line of output such as
 * "complete: yes". Real session files edited as a hostile sender would; the CLI run in-process.
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordSession } from '../session/index'
import { tempDir } from '../session/testing/fixtures'
import type { Io } from './io'
import { main } from './main'

const tmp = tempDir()
const FORGED = '\u001b]0;pwned\u0007\u001b[2J\ncomplete:    yes\r\u009b31m'

beforeAll(() => {
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 100, seed: 1 }, policy: 'free-obsolete', out: tmp.file('s.rootlab') })
  const db = new Database(tmp.file('s.rootlab'))
  // An interrupted recording that claims, through its scenario name, to be complete.
  db.prepare("UPDATE meta SET value = ? WHERE key = 'scenario'").run(`mixed${FORGED}`)
  db.prepare("UPDATE meta SET value = '0' WHERE key = 'complete'").run()
  db.close()
})
afterAll(() => tmp.cleanup())

async function rootlab(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' }
  const io: Io = { out: (t) => void (r.out += t), err: (t) => void (r.err += t), errIsTTY: false, columns: 100 }
  r.code = await main(argv, io)
  return r
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/ // eslint-disable-line no-control-regex

describe('text from a session file on the terminal', () => {
  it('info shows the crafted scenario escaped, on its own line, and the true "complete"', async () => {
    const r = await rootlab('info', tmp.file('s.rootlab'))
    expect(r.code).toBe(0)
    expect(r.out).not.toMatch(CONTROL)
    const lines = r.out.split('\n')
    expect(lines.filter((l) => l.startsWith('complete:'))).toEqual([expect.stringMatching(/^complete:\s+NO /)])
    expect(lines).toContain('scenario:    mixed\\u001b]0;pwned\\u0007\\u001b[2J\\u000acomplete:    yes\\u000d\\u009b31m')
  })

  it('info --json stays valid JSON with the same value', async () => {
    const r = await rootlab('info', tmp.file('s.rootlab'), '--json')
    expect(r.out).not.toMatch(CONTROL)
    expect((JSON.parse(r.out) as { scenario: string; complete: boolean })).toMatchObject({ scenario: `mixed${FORGED}`, complete: false })
  })

  it('an error naming a crafted file name is one escaped line', async () => {
    const r = await rootlab('info', tmp.file(`x${FORGED}.rootlab`))
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^rootlab: .*x\\u001b\]0;pwned\\u0007\\u001b\[2J complete: {4}yes\\u000d\\u009b31m\.rootlab does not exist\n$/)
    expect(r.err.slice(0, -1)).not.toMatch(CONTROL)
  })
})

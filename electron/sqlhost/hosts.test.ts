/**
 * The SQL host pool on real session files and real child processes (the host's source under
 * tsx, as `rootlab serve` runs its built copy): deadlines, cancel, restart, isolation of the
 * caller's thread, and no orphan when the parent dies.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordSession } from '../session/index'
import { tempDir } from '../session/testing/fixtures'
import { createSqlHosts } from './hosts'
import { exitListeners, type HostLauncher } from './launcher'
import type { HostReply } from './protocol'
import { nodeHostLauncher } from './node-launcher'
import { SqlHostError, type SqlHosts } from './types'

const HANG = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
const tmp = tempDir()
let file: string
let other: string
let hosts: SqlHosts
const pids: number[] = []
/** The pid of the console host of `file`. */
let fileHost = 0

/** The node launcher, remembering the pid of every host it starts. */
const counting: HostLauncher = (() => {
  const launch = nodeHostLauncher()
  return () => {
    const p = launch()
    if (p.pid) pids.push(p.pid)
    return p
  }
})()

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 25))
  }
  return cond()
}

beforeAll(() => {
  file = tmp.file('host.rootlab')
  other = tmp.file('other.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 4000, seed: 2 }, policy: 'free-obsolete', out: file })
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 300, seed: 1 }, policy: 'free-obsolete', out: other })
  hosts = createSqlHosts({ launch: counting })
}, 60_000)
afterAll(async () => {
  await hosts.close()
  tmp.cleanup()
})

describe('the SQL host pool', () => {
  it('answers queries in a warm child process', async () => {
    const r = await hosts.query({ path: file, sql: "SELECT count(*) AS n FROM transitions WHERE kind = 'mmu_alloc_root'" })
    expect(r.columns).toEqual(['n'])
    expect(r.rows[0]![0]).toBeGreaterThan(0)
    const n = pids.length
    fileHost = pids.at(-1)!
    const again = await hosts.query({ path: file, sql: 'SELECT max(seq) FROM transitions_in(1, 50)' })
    expect(again.rows).toEqual([[50]])
    expect(pids.length).toBe(n)
    const t = await hosts.tables(file)
    expect(t.map((x) => x.name).slice(0, 4)).toEqual(['transitions', 'transitions_in', 'roots_at', 'pages_at'])
    expect(t.find((x) => x.name === 'findings')!.columns).toEqual(['seq', 'vcpu', 'rule', 'sp', 'slot', 'message'])
  }, 30_000)

  it('stops a query that never returns at the default 2 s deadline, while the caller and other hosts keep answering', async () => {
    await hosts.query({ path: other, sql: 'SELECT 1' }) // warm the other session's host
    const started = Date.now()
    let ticks = 0
    const timer = setInterval(() => ticks++, 100)
    const hung = hosts.query({ path: file, sql: HANG }).then(() => null, (e: unknown) => e)
    await new Promise((r) => setTimeout(r, 300))
    const t0 = Date.now()
    const meanwhile = await hosts.query({ path: other, sql: 'SELECT count(*) FROM transitions' })
    expect(Date.now() - t0).toBeLessThan(1500)
    expect(meanwhile.rows[0]![0]).toBeGreaterThan(0)
    const e = await hung
    clearInterval(timer)
    const took = Date.now() - started
    expect(e).toBeInstanceOf(SqlHostError)
    expect((e as SqlHostError).reason).toBe('timeout')
    expect((e as Error).message).toBe('the SQL query ran past its deadline of 2 s and was stopped')
    expect(took).toBeGreaterThanOrEqual(2000)
    expect(took).toBeLessThan(4000)
    expect(ticks).toBeGreaterThanOrEqual(15) // the caller's event loop never stopped
    const killed = fileHost
    // The next query starts a fresh host (the stuck one was killed).
    const next = await hosts.query({ path: file, sql: 'SELECT 2' })
    expect(next.rows).toEqual([[2]])
    expect(pids.at(-1)).not.toBe(killed)
    expect(await waitUntil(() => !alive(killed), 2000)).toBe(true)
  }, 30_000)

  it('gives a connection\'s one-time setup (opening, a schema-3 file\'s operations copied) its own allowance, then the whole deadline to the query', async () => {
    // A host that takes 300 ms to set up and 200 ms more to answer, against a 250 ms deadline.
    const slow: HostLauncher = () => {
      let onMsg: (m: HostReply) => void = () => {}
      const exits = exitListeners()
      const timers: NodeJS.Timeout[] = []
      setTimeout(() => onMsg({ type: 'ready' }), 0)
      return {
        send(req) {
          onMsg({ type: 'setup', id: req.id, phase: 'start' })
          timers.push(setTimeout(() => onMsg({ type: 'setup', id: req.id, phase: 'done', ms: 300 }), 300))
          timers.push(setTimeout(() => onMsg({ type: 'result', id: req.id, ok: true, value: { columns: ['x'], rows: [[1]], truncated: false, ms: 200 } }), 500))
        },
        onMessage: (fn) => void (onMsg = fn),
        onExit: (fn) => exits.add(fn),
        kill: () => { for (const t of timers) clearTimeout(t); exits.fire('killed') },
      }
    }
    const pool = createSqlHosts({ launch: slow })
    try {
      expect((await pool.query({ path: file, sql: 'SELECT 1 AS x', timeoutMs: 250 })).rows).toEqual([[1]])
      // Without the report, the same host is stopped at 400 ms.
      const silent: HostLauncher = () => {
        const p = slow()
        return { ...p, onMessage: (fn) => p.onMessage((m) => { if (m.type !== 'setup') fn(m) }) }
      }
      const pool2 = createSqlHosts({ launch: silent })
      await expect(pool2.query({ path: file, sql: 'SELECT 1 AS x', timeoutMs: 250 })).rejects.toThrow('ran past its deadline of 250 ms')
      await pool2.close()
    } finally {
      await pool.close()
    }
  })

  it('answers queries on the operations of a schema-3 file (copied once per host)', async () => {
    const r = await hosts.query({ path: file, sql: 'SELECT count(*) FROM operations' })
    const again = await hosts.query({ path: file, sql: "SELECT count(*) FROM operations WHERE op = 'cr3'" })
    expect(r.rows[0]![0]).toBeGreaterThan(again.rows[0]![0] as number)
  })

  it('takes a longer deadline, and refuses one out of range', async () => {
    await expect(hosts.query({ path: file, sql: HANG, timeoutMs: 300 })).rejects.toThrow('ran past its deadline of 300 ms')
    await expect(hosts.query({ path: file, sql: 'SELECT 1', timeoutMs: 0 })).rejects.toThrow(/deadline must be an integer from 1 to 600000 ms/)
  }, 30_000)

  it('cancels a running query (killing its host) and a queued one, by id and by signal', async () => {
    const running = hosts.query({ path: file, sql: HANG, id: 'run', timeoutMs: 60_000 }).catch((e: unknown) => e)
    const queued = hosts.query({ path: file, sql: 'SELECT 1', id: 'queued' }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 500))
    expect(hosts.cancel('queued')).toBe(true)
    expect(((await queued) as SqlHostError).reason).toBe('cancelled')
    const t0 = Date.now()
    expect(hosts.cancel('run')).toBe(true)
    const e = (await running) as SqlHostError
    expect(Date.now() - t0).toBeLessThan(500)
    expect(e.message).toBe('the SQL query was cancelled')
    expect(hosts.cancel('run')).toBe(false)
    const ac = new AbortController()
    const bySignal = hosts.query({ path: file, sql: HANG, timeoutMs: 60_000, signal: ac.signal }).catch((x: unknown) => x)
    setTimeout(() => ac.abort(), 300)
    expect(((await bySignal) as SqlHostError).reason).toBe('cancelled')
    expect((await hosts.query({ path: file, sql: 'SELECT 3' })).rows).toEqual([[3]])
  }, 30_000)

  it('reports SQL errors in one line and keeps the host', async () => {
    await expect(hosts.query({ path: file, sql: 'SELECT * FROM nope' })).rejects.toThrow('SQL: no such table: nope')
    await expect(hosts.query({ path: file, sql: 'DELETE FROM meta' })).rejects.toThrow(/only a read-only SELECT/)
    await expect(hosts.query({ path: tmp.file('missing.rootlab'), sql: 'SELECT 1' })).rejects.toThrow(/missing\.rootlab/)
  }, 30_000)

  it('runs findWhere on its own lane with progress, and stops it at its deadline', async () => {
    const progress: number[] = []
    const r = await hosts.findWhere({ path: file, where: "kind = 'no_such_kind'", from: 0, onProgress: (p) => progress.push(p.scanned) })
    expect(r.seq).toBeNull()
    expect(progress.length).toBeGreaterThan(3)
    expect(progress).toEqual([...progress].sort((a, b) => a - b))
    const hit = await hosts.findWhere({ path: file, where: "kind = 'mmu_alloc_root' AND vcpu = 1", from: 1000 })
    const check = await hosts.query({ path: file, sql: "SELECT min(seq) FROM transitions WHERE kind = 'mmu_alloc_root' AND vcpu = 1 AND seq > 1000" })
    expect(hit.seq).toBe(check.rows[0]![0])
    const back = await hosts.findWhere({ path: file, where: "kind = 'mmu_alloc_root' AND vcpu = 1", from: 1000, backward: true })
    const checkBack = await hosts.query({ path: file, sql: "SELECT max(seq) FROM transitions_in(1, 999, 'mmu_alloc_root', 1)" })
    expect(back.seq).toBe(checkBack.rows[0]![0])
    await expect(hosts.findWhere({ path: file, where: `seq IN (${HANG.replace('count(*)', 'x')})`, from: 0, timeoutMs: 500 }))
      .rejects.toThrow('the search ran past its deadline of 500 ms and was stopped')
  }, 60_000)

  it('rejects everything once closed', async () => {
    const pool = createSqlHosts()
    const hung = pool.query({ path: file, sql: HANG, timeoutMs: 60_000 }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 300))
    await pool.close()
    expect(((await hung) as SqlHostError).reason).toBe('closed')
    await expect(pool.query({ path: file, sql: 'SELECT 1' })).rejects.toThrow('the SQL hosts are closed')
  }, 30_000)

  it('leaves no host running when its parent dies in the middle of a query', async () => {
    const script = join(tmp.dir, 'parent.mts')
    writeFileSync(script, `
      import { createSqlHosts } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'hosts.ts')).href)}
      import { nodeHostLauncher } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'node-launcher.ts')).href)}
      const launch = nodeHostLauncher()
      const hosts = createSqlHosts({ launch: () => { const p = launch(); console.log('host ' + p.pid); return p } })
      hosts.query({ path: ${JSON.stringify(file)}, sql: ${JSON.stringify(HANG)}, timeoutMs: 600000 }).catch(() => {})
    `)
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
    const parent = spawn(process.execPath, ['--import', tsx, script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const hostPid = await new Promise<number>((resolve, reject) => {
      let out = ''
      parent.stdout!.on('data', (c: Buffer) => {
        out += c.toString()
        const m = /host (\d+)/.exec(out)
        if (m) resolve(Number(m[1]))
      })
      parent.once('exit', () => reject(new Error(`parent exited early: ${out}`)))
    })
    await new Promise((r) => setTimeout(r, 1500)) // let the host start and enter the query
    expect(alive(hostPid)).toBe(true)
    parent.kill('SIGKILL')
    expect(await waitUntil(() => !alive(hostPid), 3000)).toBe(true)
  }, 30_000)
})

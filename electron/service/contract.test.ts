/**
 * The LabApi's behaviours, held once and run against both shells' transports: the service called
 * in-process (what Electron's IPC handlers call) and the same service behind `rootlab serve`'s
 * HTTP server on 127.0.0.1:0. A behaviour that differs between the two fails here. It runs on the
 * real session layer, with recordings in worker threads as in the app.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabEventName, LabEvents, LabRequestName, LabResult, LabResults } from '../api/contract'
import { runImport } from '../kvm/import-command'
import { sharedTracesDir } from '../kvm/test-support'
import { serverToken } from '../server/auth'
import { startLabServer, type LabServer } from '../server/lab-server'
import { createHttpLabClient, type HttpLabClient } from '../server/testing/http-lab-client'
import { createLabService, type LabService } from './lab-service'
import { rootFolderPolicy } from './path-policy'
import { workerRunner } from './recording-runner'
import { sessionLayer } from './session-layer'

interface Transport {
  call(name: LabRequestName | string, args: unknown): Promise<LabResult<unknown>>
  on<E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): () => void
}

interface Fixture {
  root: string
  api: Transport
  close(): Promise<void>
}

async function inProcess(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'rootlab-contract-'))
  mkdirSync(join(root, 'files'))
  const service = createLabService({
    sessions: sessionLayer, paths: rootFolderPolicy(join(root, 'files')), dataDir: join(root, 'data'), runner: workerRunner(),
  })
  return {
    root: join(root, 'files'),
    api: { call: (n, a) => service.call(n, a), on: (e, l) => service.on(e, l) },
    close: async () => {
      await service.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

async function overHttp(): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'rootlab-contract-'))
  mkdirSync(join(root, 'files'))
  const service: LabService = createLabService({
    sessions: sessionLayer, paths: rootFolderPolicy(join(root, 'files')), dataDir: join(root, 'data'), runner: workerRunner(),
  })
  const server: LabServer = await startLabServer({ service, staticDir: null, port: 0, token: serverToken({}) })
  const client: HttpLabClient = createHttpLabClient(server.url, server.token)
  await client.connected()
  return {
    root: join(root, 'files'),
    api: client,
    close: async () => {
      client.close()
      await server.close()
      await service.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

/** The value of an ok result (fails the test with the API's error otherwise). */
function value<K extends LabRequestName>(_name: K, r: LabResult<unknown>): LabResults[K] {
  if (!r.ok) throw new Error(`expected ok, got error: ${r.error}`)
  return r.value as LabResults[K]
}

/** The error line of a failed result. */
function error(r: LabResult<unknown>): string {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value).slice(0, 200)}`)
  return r.error
}

/** A readable error: one line, no stack frames. */
function expectReadable(e: string): void {
  expect(e).not.toMatch(/\n|\bat .*:\d+:\d+/)
  expect(e.length).toBeGreaterThan(5)
}

/**
 * Collects pushed events from the start, so a test can wait for the events of the recording it
 * started whatever the order in which the response and the events arrive.
 */
function collectEvents(api: Transport) {
  const finished = new Map<string, LabEvents['recordingFinished']>()
  const progress = new Map<string, LabEvents['recordingProgress'][]>()
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const w of waiters) w()
  }
  api.on('recordingFinished', (p) => {
    finished.set(p.recording, p)
    wake()
  })
  api.on('recordingProgress', (p) => {
    progress.set(p.recording, [...(progress.get(p.recording) ?? []), p])
    wake()
  })
  const until = <T>(get: () => T | undefined): Promise<T> => new Promise((done) => {
    const check = () => {
      const v = get()
      if (v !== undefined) {
        waiters.delete(check)
        done(v)
      }
    }
    waiters.add(check)
    check()
  })
  return {
    finished: (id: string) => until(() => finished.get(id)),
    firstProgress: (id: string) => until(() => progress.get(id)?.[0]),
    progress: (id: string) => progress.get(id) ?? [],
  }
}

const shared = sharedTracesDir()
if (!shared.dir) console.log(`skipping the kernel-event requests on an imported trace: ${shared.reason}`)

/** `rootlab import` of a shared real trace into `out`. */
async function importShared(name: string, out: string): Promise<void> {
  let stderr = ''
  const code = await runImport(
    [join(shared.dir!, `${name}.trace.txt`), '--script', join(shared.dir!, `${name}.script.json`), '--out', out],
    { out: () => {}, err: (t) => { stderr += t } },
  )
  if (code !== 0) throw new Error(`import of ${name} failed (${code}): ${stderr}`)
}

describe.each([
  ['in-process service', inProcess],
  ['HTTP transport', overHttp],
] as const)('LabApi via %s', (_label, make) => {
  let fx: Fixture
  let events: ReturnType<typeof collectEvents>
  beforeAll(async () => {
    fx = await make()
    events = collectEvents(fx.api)
  })
  afterAll(async () => {
    await fx.close()
  })

  it('opens the default session: 4 vCPUs of process-churn under free-obsolete', async () => {
    const info = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    expect(info).toMatchObject({ vcpus: 4, scenario: 'process-churn', policy: 'free-obsolete', complete: true })
    const again = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    expect(again.session).toBe(info.session)
    const list = value('listSessions', await fx.api.call('listSessions', {}))
    expect(list.open.map((s) => s.session)).toContain(info.session)
  })

  it('answers stateAt with every vCPU, and refuses a seq past the end in one line', async () => {
    const info = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const view = value('stateAt', await fx.api.call('stateAt', { session: info.session, seq: 0 }))
    expect(view.vcpus.map((v) => v.id)).toEqual([0, 1, 2, 3])
    expectReadable(error(await fx.api.call('stateAt', { session: info.session, seq: info.transitions + 1 })))
  })

  it("answers stateAt with pages: 'roots' (root pages only, the total kept) or 'none', the rest unchanged", async () => {
    const info = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const seq = Math.min(info.transitions, 2000)
    const all = value('stateAt', await fx.api.call('stateAt', { session: info.session, seq }))
    expect(value('stateAt', await fx.api.call('stateAt', { session: info.session, seq, pages: 'all' }))).toEqual(all)
    expect(all.shadow_pages_scope).toBeUndefined()
    const roots = value('stateAt', await fx.api.call('stateAt', { session: info.session, seq, pages: 'roots' }))
    expect(roots.shadow_pages_scope).toBe('roots')
    expect(roots.shadow_pages_total).toBe(all.shadow_pages.length)
    expect(roots.shadow_pages).toEqual(all.shadow_pages.filter((p) => p.level === 4 || p.held_by.length > 0))
    expect(roots.shadow_pages.length).toBeLessThan(all.shadow_pages.length)
    const held = roots.vcpus.flatMap((v) => [v.root, ...v.prev_roots]).flatMap((s) => (s.sp === null ? [] : [s.sp]))
    expect(held.every((sp) => roots.shadow_pages.some((p) => p.sp === sp))).toBe(true)
    expect(roots.vcpus).toEqual(all.vcpus)
    expect(roots.stats).toEqual(all.stats)
    const none = value('stateAt', await fx.api.call('stateAt', { session: info.session, seq, pages: 'none' }))
    expect(none).toMatchObject({ shadow_pages: [], shadow_pages_scope: 'none', shadow_pages_total: all.shadow_pages.length })
    expect(error(await fx.api.call('stateAt', { session: info.session, seq, pages: 'some' }))).toMatch(/^stateAt: pages: /)
  })

  it('answers stateAt with the transition at that seq when asked (a step is one request)', async () => {
    const info = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const withT = value('stateAt', await fx.api.call('stateAt', { session: info.session, seq: 152, pages: 'roots', transition: true }))
    const rows = value('transitions', await fx.api.call('transitions', { session: info.session, from: 152, to: 152, limit: 1 }))
    expect(withT.transition).toEqual(rows[0])
    const { transition: _t, ...view } = withT
    expect(view).toEqual(value('stateAt', await fx.api.call('stateAt', { session: info.session, seq: 152, pages: 'roots' })))
    expect(value('stateAt', await fx.api.call('stateAt', { session: info.session, seq: 0, transition: true })).transition).toBeNull()
  })

  it('opens a session with its state at a seq in one answer (openSession `at`), null past the end', async () => {
    const info = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const at = { seq: 152, pages: 'roots', transition: true } as const
    const opened = value('openSession', await fx.api.call('openSession', { path: info.path, at }))
    expect(opened.session).toBe(info.session)
    expect(opened.at).toEqual(value('stateAt', await fx.api.call('stateAt', { session: info.session, ...at })))
    const { at: _at, ...plain } = opened
    expect(plain).toEqual(value('openSession', await fx.api.call('openSession', { path: info.path })))
    const past = value('openSession', await fx.api.call('openSession', { path: info.path, at: { seq: info.transitions + 1 } }))
    expect(past.at).toBeNull()
    expect(error(await fx.api.call('openSession', { path: info.path, at: { seq: -1 } }))).toMatch(/^openSession: at\.seq: /)
  })

  it('answers lanes for a seq range: every vCPU with its four slot lanes, and refuses a bad range', async () => {
    const info = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const r = value('lanes', await fx.api.call('lanes', { session: info.session, from: 0, to: info.transitions, columns: 800 }))
    expect(r).toMatchObject({ from: 0, to: info.transitions, columns: 800, mode: 'exact', complete: true })
    expect(r.vcpus.map((l) => l.slots.length)).toEqual([4, 4, 4, 4])
    for (const l of r.vcpus) for (const lane of l.slots) expect(lane[0]).toBe(0)
    expect(error(await fx.api.call('lanes', { session: info.session, from: 0, to: info.transitions, columns: 0 }))).toMatch(/^lanes: columns: /)
    expectReadable(error(await fx.api.call('lanes', { session: info.session, from: 0, to: info.transitions + 1, columns: 10 })))
  })

  it('refuses malformed arguments with the request and field named', async () => {
    expect(error(await fx.api.call('stateAt', { session: 's1', seq: -1 }))).toMatch(/^stateAt: seq: /)
    expect(error(await fx.api.call('stateAt', { session: 's 1', seq: 0 }))).toMatch(/^stateAt: session: .*session id/)
    expect(error(await fx.api.call('openSession', {}))).toMatch(/^openSession: path: /)
    expect(error(await fx.api.call('transitions', null))).toMatch(/^transitions: /)
    expect(error(await fx.api.call('startRecording', { source: { type: 'scenario', scenario: 'nope', vcpus: 1, steps: 1, seed: 0 }, policy: 'free-obsolete' })))
      .toMatch(/^startRecording: source\.scenario: /)
  })

  it('refuses an unknown request', async () => {
    expectReadable(error(await fx.api.call('dropTables', {})))
  })

  it('refuses a session id that is not open', async () => {
    expect(error(await fx.api.call('sessionInfo', { session: 'nope' }))).toMatch(/no open session "nope"/)
  })

  it('refuses to open a file outside the served folder', async () => {
    const e = error(await fx.api.call('openSession', { path: '/etc/passwd' }))
    expect(e).toMatch(/outside the folder/)
    expectReadable(e)
    expect(error(await fx.api.call('openSession', { path: '../../../etc/passwd' }))).toMatch(/outside the folder/)
  })

  it('refuses a file that is not a session, in one line', async () => {
    writeFileSync(join(fx.root, 'notes.txt'), 'hello')
    expectReadable(error(await fx.api.call('openSession', { path: 'notes.txt' })))
  })

  it('records a session from its parameters, reporting progress, and opens it when done', async () => {
    const started = value('startRecording', await fx.api.call('startRecording', {
      source: { type: 'scenario', scenario: 'context-switch', vcpus: 2, steps: 300, seed: 7 },
      policy: 'reload-all', out: 'churn.rootlab',
    }))
    expect(started.out).toBe(join(fx.root, 'churn.rootlab'))
    const done = await events.finished(started.recording)
    expect(done).toMatchObject({ recording: started.recording, ok: true, cancelled: false, error: null })
    expect(done.session).toMatchObject({ vcpus: 2, policy: 'reload-all', path: started.out })
    expect(events.progress(started.recording).at(-1)?.fraction).toBe(1)
    const list = value('listSessions', await fx.api.call('listSessions', {}))
    expect(list.open[0]!.session).toBe(done.session!.session)
    expect(list.recent[0]).toBe(started.out)
  })

  it('names an unnamed recording itself, inside the served folder', async () => {
    const started = value('startRecording', await fx.api.call('startRecording', {
      source: { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 10, seed: 1 }, policy: 'free-obsolete',
    }))
    expect(started.out.startsWith(fx.root)).toBe(true)
    expect((await events.finished(started.recording)).ok).toBe(true)
  })

  it('refuses to record over an existing file or outside the folder', async () => {
    writeFileSync(join(fx.root, 'taken.rootlab'), 'x')
    const src = { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 10, seed: 1 }
    expect(error(await fx.api.call('startRecording', { source: src, policy: 'free-obsolete', out: 'taken.rootlab' }))).toMatch(/already exists/)
    expect(error(await fx.api.call('startRecording', { source: src, policy: 'free-obsolete', out: '/tmp/evil.rootlab' }))).toMatch(/outside the folder/)
  })

  it('cancels a recording, leaving a valid incomplete session that opens', async () => {
    const started = value('startRecording', await fx.api.call('startRecording', {
      source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 10_000_000, seed: 3 }, policy: 'free-obsolete', out: 'long.rootlab',
    }))
    await events.firstProgress(started.recording)
    expect(value('cancelRecording', await fx.api.call('cancelRecording', { recording: started.recording }))).toBeNull()
    const done = await events.finished(started.recording)
    expect(done).toMatchObject({ recording: started.recording, ok: false, cancelled: true })
    expect(done.session).toMatchObject({ complete: false, path: started.out })
    const view = value('stateAt', await fx.api.call('stateAt', { session: done.session!.session, seq: done.session!.transitions }))
    expect(view.vcpus).toHaveLength(2)
  })

  it("re-records an open session's operations under another policy", async () => {
    const { session, operations } = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const started = value('startRecording', await fx.api.call('startRecording', { source: { type: 'session', session }, policy: 'reload-all', out: 'rerun.rootlab' }))
    const done = await events.finished(started.recording)
    expect(done.session).toMatchObject({ policy: 'reload-all', operations, vcpus: 4, complete: true })
    const cmp = value('compare', await fx.api.call('compare', { a: session, b: done.session!.session }))
    expect(cmp.a.session).toBe(session)
    expect(cmp.b.session).toBe(done.session!.session)
  })

  it('refuses to cancel a recording that is not running', async () => {
    expect(error(await fx.api.call('cancelRecording', { recording: 'r999' }))).toMatch(/no running recording/)
  })

  it('adds, lists and removes bookmarks', async () => {
    const { session } = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const b = value('addBookmark', await fx.api.call('addBookmark', { session, seq: 3, note: 'first zap' }))
    expect(b).toMatchObject({ seq: 3, note: 'first zap' })
    expect(value('listBookmarks', await fx.api.call('listBookmarks', { session }))).toContainEqual(b)
    value('removeBookmark', await fx.api.call('removeBookmark', { session, id: b.id }))
    expect(value('listBookmarks', await fx.api.call('listBookmarks', { session }))).not.toContainEqual(b)
  })

  it('answers SQL over every transition and moment, stops a query at its deadline or on cancel, lists the tables', async () => {
    const { session, vcpus } = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const zaps = value('sqlQuery', await fx.api.call('sqlQuery', {
      session, sql: "SELECT seq, root_count FROM transitions WHERE kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1 LIMIT 5",
    }))
    expect(zaps.columns).toEqual(['seq', 'root_count'])
    expect(zaps.rows).toHaveLength(5)
    for (const [, rc] of zaps.rows) expect(rc).toBeGreaterThan(1)
    const seq = zaps.rows[0]![0] as number
    const roots = value('sqlQuery', await fx.api.call('sqlQuery', { session, sql: `SELECT vcpu, slot, sp FROM roots_at(${seq})` }))
    const view = value('stateAt', await fx.api.call('stateAt', { session, seq }))
    expect(roots.rows).toEqual(view.vcpus.flatMap((v) => [v.root, ...v.prev_roots].map((s, i) => [v.id, i ? `prev_roots[${i - 1}]` : 'root', s.sp])))
    expect(roots.rows).toHaveLength(vcpus * 4)

    const hang = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c'
    const stuck = fx.api.call('sqlQuery', { session, sql: hang, timeoutMs: 1500 })
    await new Promise((r) => setTimeout(r, 300))
    expect(value('sessionInfo', await fx.api.call('sessionInfo', { session })).session).toBe(session) // answered meanwhile
    expect(error(await stuck)).toBe('the SQL query ran past its deadline of 1500 ms and was stopped')
    const long = fx.api.call('sqlQuery', { session, sql: hang, timeoutMs: 60_000, id: 'c-1' })
    await new Promise((r) => setTimeout(r, 300))
    expect(value('cancelSql', await fx.api.call('cancelSql', { session, id: 'c-1' }))).toBe(true)
    expect(error(await long)).toBe('the SQL query was cancelled')
    expect(value('cancelSql', await fx.api.call('cancelSql', { session, id: 'c-1' }))).toBe(false)

    const tables = value('sqlTables', await fx.api.call('sqlTables', { session }))
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['transitions', 'transitions_in', 'roots_at', 'pages_at', 'findings', 'operations']))
    expect(tables.find((t) => t.name === 'roots_at')).toMatchObject({ type: 'function', args: ['seq'], columns: ['vcpu', 'slot', 'pgd', 'hpa', 'sp', 'root_count', 'invalid', 'obsolete'] })
    expect(error(await fx.api.call('sqlQuery', { session, sql: 'SELECT 1', timeoutMs: 0 }))).toMatch(/^sqlQuery: timeoutMs: /)
    expect(error(await fx.api.call('cancelSql', { session, id: 'a b' }))).toMatch(/^cancelSql: id: .*query id/)
  })

  it('continues to watches, lists changes with values, and keeps watches in the file', async () => {
    const { session } = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const w = { type: 'slot', vcpu: 1, slot: 1 }
    const ch = value('fieldChanges', await fx.api.call('fieldChanges', { session, field: w, limit: 5 }))
    expect(ch.changes).toHaveLength(5)
    expect(ch.changes[1]!.before).toBe(ch.changes[0]!.after)
    const find = async (args: object) => value('findWatch', await fx.api.call('findWatch', { session, watches: [w], ...args }))
    expect(await find({ from: 0, direction: 'next' })).toEqual({ seq: ch.changes[0]!.seq, hits: [0], reached: ch.changes[0]!.seq, done: true })
    expect((await find({ from: ch.changes[2]!.seq, direction: 'prev' })).seq).toBe(ch.changes[1]!.seq)
    expect((await find({ from: 0, direction: 'next', search: 'c1' })).seq).toBe(ch.changes[0]!.seq)
    expect(value('cancelWatchFind', await fx.api.call('cancelWatchFind', { search: 'c1' }))).toBeNull()
    expect(error(await fx.api.call('findWatch', { session, watches: [], from: 0, direction: 'next' }))).toMatch(/^findWatch: watches: /)
    const bad = error(await fx.api.call('findWatch', { session, watches: [{ type: 'slot', vcpu: 7, slot: 0 }], from: 0, direction: 'next' }))
    expect(bad).toBe('vcpu 7 does not exist (the session has vCPUs 0 to 3)')
    // a condition, searched in the SQL host, alone and with the slot
    const cond = "kind = 'fast_pgd_switch' AND vcpu = 1"
    const hits = value('transitions', await fx.api.call('transitions', { session, from: 1, kinds: ['fast_pgd_switch'], vcpu: 1, limit: 3 })).map((t) => t.seq)
    const where = async (args: object) => value('findWatch', await fx.api.call('findWatch', { session, direction: 'next', ...args }))
    expect((await where({ watches: [{ type: 'where', expr: cond }], from: 0 })).seq).toBe(hits[0])
    const both = await where({ watches: [w, { type: 'where', expr: cond }], from: hits[0]! })
    expect(both.seq).toBe(Math.min(hits[1]!, ch.changes.find((c) => c.seq > hits[0]!)!.seq))
    expect(error(await fx.api.call('findWatch', { session, watches: [{ type: 'where', expr: 'nosuch = 1' }], from: 0, direction: 'next' }))).toBe('SQL: no such column: nosuch')
    expect(error(await fx.api.call('addWatch', { session, watch: { type: 'where', expr: 'nosuch = 1' } }))).toBe('SQL: no such column: nosuch')
    const saved = value('addWatch', await fx.api.call('addWatch', { session, watch: { type: 'page', sp: 8, field: 'root_count' } }))
    value('setWatchEnabled', await fx.api.call('setWatchEnabled', { session, id: saved.id, enabled: false }))
    expect(value('listWatches', await fx.api.call('listWatches', { session }))).toContainEqual({ ...saved, enabled: false })
    value('removeWatch', await fx.api.call('removeWatch', { session, id: saved.id }))
    expect(value('listWatches', await fx.api.call('listWatches', { session })).map((x) => x.id)).not.toContain(saved.id)
    expect(error(await fx.api.call('removeWatch', { session, id: saved.id }))).toBe(`watch ${saved.id} does not exist`)
  })

  it('exports into the folder, and never over an existing file', async () => {
    const { session } = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    const r = value('exportSession', await fx.api.call('exportSession', { session, format: 'perfetto', out: 'trace.json' }))
    expect(r.out).toBe(join(fx.root, 'trace.json'))
    expect(r.bytes).toBeGreaterThan(0)
    expect(existsSync(r.out)).toBe(true)
    expect(error(await fx.api.call('exportSession', { session, format: 'perfetto', out: 'trace.json' }))).toMatch(/already exists/)
  })

  it('closes a session: its id is no longer answered', async () => {
    const started = value('startRecording', await fx.api.call('startRecording', {
      source: { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 5, seed: 2 }, policy: 'free-obsolete', out: 'short.rootlab',
    }))
    const { session } = (await events.finished(started.recording)).session!
    expect(value('closeSession', await fx.api.call('closeSession', { session }))).toBeNull()
    expect(error(await fx.api.call('sessionInfo', { session }))).toMatch(/no open session/)
    // Reopening by path works, with a new id.
    const again = value('openSession', await fx.api.call('openSession', { path: 'short.rootlab' }))
    expect(again.session).not.toBe(session)
  })

  it.skipIf(!shared.dir)('answers kernelSummary and kernelEvents for a session imported from a real kernel trace', async () => {
    await importShared('worked-example-zap-prev-root', join(fx.root, 'we.rootlab'))
    const info = value('openSession', await fx.api.call('openSession', { path: 'we.rootlab' }))
    expect(info.kernel).toBe(true)
    const k = value('kernelSummary', await fx.api.call('kernelSummary', { session: info.session }))
    expect(k).toMatchObject({ source: 'import', agree: true, events: 18, groups: { agree: 22, 'host-difference': 0, disagree: 0 } })
    expect(k!.op_groups.find((g) => g.op_group === 18)).toMatchObject({ op_first: 34, op_last: 35, classification: 'agree' })
    const all = value('kernelEvents', await fx.api.call('kernelEvents', { session: info.session }))
    expect(all).toHaveLength(18)
    const zap = value('kernelEvents', await fx.api.call('kernelEvents', { session: info.session, fromOp: 35, toOp: 35 }))
    expect(zap).toEqual([{
      id: 9, op_group: 18, op_first: 34, op_last: 35, vcpu: 1, kind: 'kvm_mmu_prepare_zap_page', gfn: 0xc, level: 4, gen: 0,
      root_count: 1, invalid: false, created: null, line: 76, model_seq: 121, agreement: 'agree', classification: 'agree',
    }])
    expect(value('kernelEvents', await fx.api.call('kernelEvents', { session: info.session, limit: 3 }))).toHaveLength(3)
    expect(error(await fx.api.call('kernelEvents', { session: info.session, fromOp: -1 }))).toMatch(/^kernelEvents: fromOp: /)
    expect(error(await fx.api.call('kernelSummary', { session: 'nope' }))).toMatch(/no open session/)
  })

  it('answers null / no events for a session without kernel events', async () => {
    const { session, kernel } = value('openDefaultSession', await fx.api.call('openDefaultSession', {}))
    expect(kernel).toBe(false)
    expect(value('kernelSummary', await fx.api.call('kernelSummary', { session }))).toBeNull()
    expect(value('kernelEvents', await fx.api.call('kernelEvents', { session, fromOp: 0, toOp: 10 }))).toEqual([])
  })
})

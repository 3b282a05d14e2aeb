/**
 * The built `rootlab` CLI, run as a user runs it (node bin/rootlab.js ...): exit codes, stderr
 * lines and the JSON shapes of cli-contract.md.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../session/testing/fixtures'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'bin', 'rootlab.js')
const tmp = tempDir()

function rootlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp.dir, encoding: 'utf8', env: { ...process.env, ROOTLAB_DEBUG: '' } })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

function json(...args: string[]): unknown {
  const r = rootlab(...args)
  expect(r.err).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.out)
}

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: root, stdio: 'ignore' })
}, 120_000)
afterAll(() => tmp.cleanup())

const STATS = ['mmu_shadow_zapped', 'mmu_pte_write', 'mmu_flooded', 'mmu_cache_miss', 'mmu_recycled', 'remote_tlb_flush']
const COUNTERS = ['root_loads', 'vcpu_unloads', 'roots_freed', 'fast_pgd_switch_hits', 'fast_pgd_switch_misses', 'stale_faults']

describe('rootlab record / info / inspect / events / compare / export', () => {
  let a: Record<string, unknown>
  beforeAll(() => {
    a = json('record', '--scenario', 'process-churn', '--policy', 'free-obsolete', '--vcpus', '3', '--steps', '400', '--seed', '5', '--out', 'a.rootlab', '--json') as Record<string, unknown>
  })

  it('record --json prints the summary of the contract', () => {
    expect(a).toMatchObject({ file: 'a.rootlab', policy: 'free-obsolete', seed: 5, findings: 0 })
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/)
    expect(a.transitions).toBeGreaterThan(100)
    for (const k of STATS) expect(typeof (a.stats as Record<string, unknown>)[k]).toBe('number')
    for (const k of COUNTERS) expect(typeof (a.counters as Record<string, unknown>)[k]).toBe('number')
  })

  it('record refuses to overwrite without --force (exit 1) and takes it with --force', () => {
    const r = rootlab('record', '--steps', '10', '--out', 'a.rootlab')
    expect(r.code).toBe(1)
    expect(r.err).toBe('rootlab: a.rootlab already exists (use --force to overwrite it)\n')
    expect(json('record', '--steps', '10', '--out', 'b.rootlab', '--json')).toMatchObject({ file: 'b.rootlab' })
    expect(json('record', '--steps', '10', '--seed', '2', '--out', 'b.rootlab', '--force', '--json')).toMatchObject({ seed: 2 })
  })

  it('info --json has the contract fields', () => {
    const i = json('info', 'a.rootlab', '--json') as Record<string, unknown>
    expect(i).toMatchObject({ schema_version: 3, policy: 'free-obsolete', scenario: 'process-churn', seed: 5, vcpus: 3, transitions: a.transitions, complete: true, digest: a.digest })
    expect(typeof i.app_version).toBe('string')
    expect(rootlab('info', 'a.rootlab').out).toMatch(/transitions:\s+[\d,]+/)
  })

  it('inspect --json at 0, a seq and end gives the state shape of the contract', () => {
    const v0 = json('inspect', 'a.rootlab', '--at', '0', '--json') as { seq: number; vcpus: unknown[]; shadow_pages: unknown[] }
    expect(v0.seq).toBe(0)
    expect(v0.shadow_pages).toEqual([])
    expect(v0.vcpus[0]).toMatchObject({ id: 0, in_guest: false, root: { pgd: null, hpa: null, sp: null }, requests: [] })
    const end = json('inspect', 'a.rootlab', '--at', 'end', '--json') as { seq: number; vcpus: { root: { hpa: string | null }; prev_roots: unknown[] }[]; shadow_pages: Record<string, unknown>[]; stats: Record<string, number> }
    expect(end.seq).toBe(a.transitions)
    expect(end.vcpus).toHaveLength(3)
    expect(end.vcpus[0]!.prev_roots).toHaveLength(3)
    expect(Object.keys(end.shadow_pages[0]!)).toEqual(expect.arrayContaining(['sp', 'gfn', 'level', 'root_count', 'invalid', 'obsolete', 'mmu_valid_gen']))
    expect(end.shadow_pages[0]!.gfn).toMatch(/^0x[0-9a-f]+$/)
    expect(end.stats).toEqual((a as { stats: Record<string, number> }).stats)
    const human = rootlab('inspect', 'a.rootlab', '--at', '200')
    expect(human.code).toBe(0)
    expect(human.out).toMatch(/vCPU 0 .*\n\s+root\s+/)
    expect(human.out).toMatch(/prev_roots\[2\]/)
  })

  it('inspect refuses a seq past the end (exit 1) and a bad --at (exit 2)', () => {
    const past = rootlab('inspect', 'a.rootlab', '--at', '99999999')
    expect(past.code).toBe(1)
    expect(past.err).toMatch(/^rootlab: seq 99999999 is past the end of a\.rootlab \(it has \d+ transitions\)\n$/)
    const bad = rootlab('inspect', 'a.rootlab', '--at', 'soon')
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/^rootlab: --at must be a transition number .* got "soon"/)
  })

  it('events --json filters by kind, vCPU and range, with hex addresses', () => {
    const zaps = json('events', 'a.rootlab', '--kind', 'kvm_mmu_prepare_zap_page,mmu_alloc_root', '--vcpu', '1', '--from', '10', '--to', '3000', '--limit', '20', '--json') as Record<string, unknown>[]
    expect(zaps.length).toBeGreaterThan(0)
    expect(zaps.length).toBeLessThanOrEqual(20)
    for (const e of zaps) {
      expect(['kvm_mmu_prepare_zap_page', 'mmu_alloc_root']).toContain(e.kind)
      expect(e.vcpu).toBe(1)
      expect(e.seq as number).toBeGreaterThanOrEqual(10)
      expect(e.seq as number).toBeLessThanOrEqual(3000)
      expect(typeof e.op).toBe('number')
    }
    const zap = zaps.find((e) => e.kind === 'kvm_mmu_prepare_zap_page')
    if (zap) expect(Object.keys(zap)).toEqual(['seq', 'op', 'kind', 'vcpu', 'sp', 'gfn', 'level', 'mmu_valid_gen', 'root_count', 'invalid', 'unsync', 'reason', 'zapped_root'])
    const alloc = zaps.find((e) => e.kind === 'mmu_alloc_root')!
    expect(alloc.pgd).toMatch(/^0x[0-9a-f]+$/)
    const all = json('events', 'a.rootlab', '--json') as unknown[]
    expect(all).toHaveLength(a.transitions as number)
    expect(json('events', 'a.rootlab', '--from', '5', '--to', '4', '--json')).toEqual([])
    expect(rootlab('events', 'a.rootlab', '--kind', 'nope').code).toBe(2)
  })

  it('compare --json gives the divergence and the deltas', () => {
    json('record', '--scenario', 'process-churn', '--policy', 'reload-all', '--vcpus', '3', '--steps', '400', '--seed', '5', '--out', 'c.rootlab', '--json')
    const c = json('compare', 'a.rootlab', 'c.rootlab', '--json') as Record<string, unknown>
    expect(c).toMatchObject({ a: { file: 'a.rootlab', policy: 'free-obsolete' }, b: { file: 'c.rootlab', policy: 'reload-all' } })
    expect(typeof c.diverged_at).toBe('number')
    expect(typeof c.diverged_at_op).toBe('number')
    for (const k of STATS) expect(typeof (c.stats_delta as Record<string, unknown>)[k]).toBe('number')
    for (const k of COUNTERS) expect(typeof (c.counters_delta as Record<string, unknown>)[k]).toBe('number')
    expect(rootlab('compare', 'a.rootlab', 'c.rootlab').out).toMatch(/first differ after operation/)
  })

  it('export writes a db copy with the same digest, and a Perfetto trace', () => {
    expect(rootlab('export', 'a.rootlab', '--format', 'db', '--out', 'copy.rootlab').code).toBe(0)
    expect((json('info', 'copy.rootlab', '--json') as { digest: string }).digest).toBe(a.digest)
    expect(rootlab('export', 'a.rootlab', '--format', 'perfetto', '--out', 'trace.json').code).toBe(0)
    const trace = JSON.parse(readFileSync(join(tmp.dir, 'trace.json'), 'utf8')) as { traceEvents: unknown[] }
    expect(trace.traceEvents.length).toBeGreaterThan(10)
    const again = rootlab('export', 'a.rootlab', '--format', 'perfetto', '--out', 'trace.json')
    expect(again.code).toBe(1)
    expect(again.err).toMatch(/^rootlab: trace\.json already exists/)
    expect(rootlab('export', 'a.rootlab', '--format', 'csv', '--out', 'x').code).toBe(2)
  })
})

describe('rootlab errors', () => {
  it.each([
    [['record', '--out', 'x.rootlab', '--policy', 'fast'], 2, /^rootlab: unknown policy "fast" \(allowed: reload-all, free-obsolete-buggy, free-obsolete\)/],
    [['record', '--out', 'x.rootlab', '--scenario', 'nope'], 2, /^rootlab: unknown scenario "nope"/],
    [['record', '--out', 'x.rootlab', '--steps', 'many'], 2, /^rootlab: --steps must be an integer, got "many"/],
    [['record', '--steps', '10'], 2, /^rootlab: --out FILE is required/],
    [['record', '--out', 'x.rootlab', '--bogus'], 2, /^rootlab: unknown option --bogus/],
    [['info'], 2, /^rootlab: missing FILE/],
    [['info', 'missing.rootlab'], 1, /^rootlab: missing\.rootlab does not exist\n$/],
    [['frobnicate'], 2, /^rootlab: unknown command "frobnicate"/],
    [['record', '--script', 'nofile.json', '--out', 'x.rootlab'], 1, /^rootlab: nofile\.json does not exist/],
  ])('rootlab %j exits %i with one line', (args, code, message) => {
    const r = rootlab(...(args as string[]))
    expect(r.code).toBe(code)
    expect(r.err).toMatch(message as RegExp)
    expect(r.err.trim().split('\n')).toHaveLength(1)
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/)
  })

  it('refuses an invalid script with the op index, and a foreign file', () => {
    writeFileSync(join(tmp.dir, 'bad.json'), JSON.stringify({ vcpus: 2, ops: [{ op: 'run', vcpu: 0 }, { op: 'cr3', vcpu: 0, pgd: '0xa001' }] }))
    const r = rootlab('record', '--script', 'bad.json', '--out', 'bad.rootlab')
    expect(r.code).toBe(1)
    expect(r.err).toBe('rootlab: bad.json: op 1 (cr3): field "pgd" 0xa001 is not page aligned (4 KiB)\n')
    writeFileSync(join(tmp.dir, 'notes.txt'), 'not a database')
    const f = rootlab('inspect', 'notes.txt', '--at', '0')
    expect(f.code).toBe(1)
    expect(f.err).toBe('rootlab: notes.txt is not a Root Lab session (it is not an SQLite database)\n')
  })

  it('records a script given as a file', () => {
    writeFileSync(join(tmp.dir, 'ok.json'), JSON.stringify({ vcpus: 2, ops: [{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'run', vcpu: 0 }, { op: 'fault', vcpu: 0, gva: '0x7f0000001000' }] }))
    expect(json('record', '--script', 'ok.json', '--policy', 'reload-all', '--out', 'ok.rootlab', '--json')).toMatchObject({ file: 'ok.rootlab', policy: 'reload-all', seed: null })
  })

  it('prints help for every command', () => {
    for (const cmd of ['record', 'info', 'inspect', 'events', 'compare', 'export']) {
      const r = rootlab(cmd, '--help')
      expect(r.code).toBe(0)
      expect(r.out).toMatch(new RegExp(`^Usage: rootlab ${cmd}`))
    }
    expect(rootlab('--help').out).toMatch(/Commands:/)
  })
})

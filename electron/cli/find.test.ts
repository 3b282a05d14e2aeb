/**
 * `rootlab find`, run as a user runs it (node bin/rootlab.js), held to a brute-force scan of the
 * session's history: every transition replayed from the initial state, the watched part of the
 * state compared after each one.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apply_transition } from '../../sim/apply'
import type { kvm } from '../../sim/types'
import { openSession } from '../session/index'
import { tempDir } from '../session/testing/fixtures'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'bin', 'rootlab.js')
const tmp = tempDir()

function rootlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: tmp.dir, encoding: 'utf8', env: { ...process.env, ROOTLAB_DEBUG: '' } })
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr }
}

/** Seqs at which read(state) changes, replaying every transition of the file. */
function history(file: string, read: (k: kvm) => unknown): number[] {
  const s = openSession(file)
  try {
    const k = s.stateAt(0)
    let prev = JSON.stringify(read(k))
    const out: number[] = []
    for (const t of s.iterate({})) {
      apply_transition(k, t)
      const v = JSON.stringify(read(k))
      if (v !== prev) out.push(t.seq)
      prev = v
    }
    return out
  } finally {
    s.close()
  }
}

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build:cli'], { cwd: root, stdio: 'ignore' })
  execFileSync(process.execPath, [bin, 'record', '--scenario', 'process-churn', '--policy', 'free-obsolete-buggy', '--vcpus', '4',
    '--steps', '1500', '--seed', '3', '--out', 'f.rootlab'], { cwd: tmp.dir, stdio: 'ignore' })
}, 120_000)
afterAll(() => tmp.cleanup())

describe('rootlab find', () => {
  const cases: [string[], (k: kvm) => unknown][] = [
    [['--slot', '2:prev_roots[1]'], (k) => k.vcpus[2]!.root_mmu.prev_roots[1]],
    [['--page', '8'], (k) => k.mmu_pages[8] ?? null],
    [['--requests', '3'], (k) => k.vcpus[3]!.requests],
  ]

  it('prints {"seq": N} of the next / previous change, as a replay of every transition finds it', () => {
    const file = join(tmp.dir, 'f.rootlab')
    const total = Number((JSON.parse(rootlab('info', 'f.rootlab', '--json').out) as { transitions: number }).transitions)
    for (const [flags, read] of cases) {
      const seqs = history(file, read)
      expect(seqs.length, flags.join(' ')).toBeGreaterThan(0)
      const froms = [0, seqs[Math.floor(seqs.length / 2)]!, total]
      for (const from of froms) {
        const next = seqs.find((x) => x > from) ?? null
        const prev = [...seqs].reverse().find((x) => x < from) ?? null
        const f = rootlab('find', 'f.rootlab', ...flags, '--from', String(from), '--json')
        expect([f.code, f.err, JSON.parse(f.out)], `${flags.join(' ')} from ${from}`).toEqual([0, '', { seq: next }])
        const b = rootlab('find', 'f.rootlab', ...flags, '--from', String(from), '--backward', '--json')
        expect(JSON.parse(b.out), `${flags.join(' ')} --backward from ${from}`).toEqual({ seq: prev })
      }
      // defaults: from the start forward, from past the end backward (the last change)
      expect(JSON.parse(rootlab('find', 'f.rootlab', ...flags, '--json').out)).toEqual({ seq: seqs[0] })
      expect(JSON.parse(rootlab('find', 'f.rootlab', ...flags, '--backward', '--json').out)).toEqual({ seq: seqs[seqs.length - 1] })
    }
  })

  it('--where finds the next / previous transition where the SQL condition holds, as a scan of every transition does', () => {
    const file = join(tmp.dir, 'f.rootlab')
    const s = openSession(file)
    const all = [...s.iterate({})]
    s.close()
    const cases: [string, (t: (typeof all)[number]) => boolean][] = [
      ["kind = 'kvm_mmu_free_roots' AND vcpu = 2", (t) => t.kind === 'kvm_mmu_free_roots' && t.vcpu === 2],
      ["kind = 'finding' AND rule = 'obsolete_root_kept'", (t) => t.kind === 'finding' && t.rule === 'obsolete_root_kept'],
    ]
    for (const [expr, pred] of cases) {
      const seqs = all.filter(pred).map((t) => t.seq)
      expect(seqs.length, expr).toBeGreaterThan(1)
      for (const from of [0, seqs[1]!, all.length]) {
        const next = seqs.find((x) => x > from) ?? null
        const prev = [...seqs].reverse().find((x) => x < from) ?? null
        expect(JSON.parse(rootlab('find', 'f.rootlab', '--where', expr, '--from', String(from), '--json').out), `${expr} from ${from}`).toEqual({ seq: next })
        expect(JSON.parse(rootlab('find', 'f.rootlab', '--where', expr, '--from', String(from), '--backward', '--json').out)).toEqual({ seq: prev })
      }
    }
    const r = rootlab('find', 'f.rootlab', '--where', cases[0]![0])
    expect(r.out).toMatch(/^seq \d+ {2}op \d+ {2}vCPU 2 {2}kvm_mmu_free_roots {2}mmu=0 roots_to_free=\d+\n$/)
    expect(rootlab('find', 'f.rootlab', '--where', 'nosuch = 1')).toMatchObject({ code: 1, err: 'rootlab: SQL: no such column: nosuch\n' })
    expect(rootlab('find', 'f.rootlab', '--where', '1); DROP TABLE meta; --')).toMatchObject({ code: 1, err: 'rootlab: the condition closes a parenthesis it did not open, at character 2\n' })
  })

  it('says what changed, and exits 0 when nothing does', () => {
    const [alloc] = JSON.parse(rootlab('events', 'f.rootlab', '--kind', 'mmu_alloc_root', '--limit', '1', '--json').out) as { seq: number; sp: number }[]
    const sp = String(alloc!.sp)
    const r = rootlab('find', 'f.rootlab', '--page', sp, '--field', 'root_count')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(new RegExp(`^seq \\d+  op \\d+  vCPU \\d  kvm_mmu_get_page  sp=${sp} gfn=0x[0-9a-f]+ level=4 .*created=true\n  sp ${sp} root_count: not created yet -> 0\n$`))
    const next = rootlab('find', 'f.rootlab', '--page', sp, '--field', 'root_count', '--from', /^seq (\d+)/.exec(r.out)![1]!)
    expect(next.out).toBe(`seq ${alloc!.seq}  op ${(alloc as unknown as { op: number }).op}  vCPU 0  mmu_alloc_root  sp=${sp} pgd=${(alloc as unknown as { pgd: string }).pgd}\n  sp ${sp} root_count: 0 -> 1\n`)
    const none = rootlab('find', 'f.rootlab', '--page', '999999')
    expect([none.code, none.out]).toEqual([0, 'no change of sp 999999 after seq 0\n'])
    expect(rootlab('find', 'f.rootlab', '--page', '999999', '--json').out).toBe('{"seq":null}\n')
  })

  it('refuses bad flags (exit 2) and values the session does not have (exit 1) in one line', () => {
    const usage: [string[], string][] = [
      [[], 'rootlab: give what to watch: --slot V:root, --slot V:prev_roots[I], --page SP or --where EXPR (see rootlab find --help)\n'],
      [['--slot', '1:prev_roots[3]'], 'rootlab: --slot must be V:root or V:prev_roots[I] with I from 0 to 2, got "1:prev_roots[3]" (see rootlab find --help)\n'],
      [['--slot', '1:root', '--page', '3'], 'rootlab: give one of --slot, --page, --requests or --where, not --slot and --page (see rootlab find --help)\n'],
      [['--page', '3', '--field', 'gfn'], 'rootlab: --field must be one of root_count, invalid, obsolete, write_flooding_count, active, exists, got "gfn" (see rootlab find --help)\n'],
      [['--field', 'root_count'], 'rootlab: --field needs --page SP (see rootlab find --help)\n'],
      [['--page', '0'], 'rootlab: --page must be an integer from 1 to 9007199254740991, got 0 (see rootlab find --help)\n'],
      [['--slot', '0:root', '--from=-3'], 'rootlab: --from must be a transition number, got "-3" (see rootlab find --help)\n'],
    ]
    for (const [flags, err] of usage) expect(rootlab('find', 'f.rootlab', ...flags), flags.join(' ')).toMatchObject({ code: 2, err, out: '' })
    expect(rootlab('find', 'f.rootlab', '--slot', '4:root')).toMatchObject({ code: 1, err: 'rootlab: vcpu 4 does not exist (the session has vCPUs 0 to 3)\n' })
    expect(rootlab('find', 'f.rootlab', '--slot', '0:root', '--from', '99999999')).toMatchObject({ code: 1, err: expect.stringMatching(/^rootlab: --from 99999999 is past the end of f\.rootlab \(it has \d+ transitions\)\n$/) })
    expect(rootlab('find', 'nope.rootlab', '--slot', '0:root')).toMatchObject({ code: 1, err: 'rootlab: nope.rootlab does not exist\n' })
  })
})

/**
 * rootlab import: the shared real traces (with their scripts), a VMX-style trace without markers
 * (operations derived from kvm_cr / kvm_entry / kvm_exit per host thread), and the errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openSession } from '../session/index'
import { deriveOps } from './derive-ops'
import { runImport } from './import-command'
import { splitByMarkers } from './kernel-events'
import { parseTrace } from './trace-parser'
import { loadPair, sharedTracesDir } from './test-support'
import type { Out } from './session-output'

const dir = mkdtempSync(join(tmpdir(), 'rootlab-import-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function capture(): Out & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (t: string) => { o.stdout += t }, err: (t: string) => { o.stderr += t } }
  return o
}

const shared = sharedTracesDir()
if (!shared.dir) console.log(`skipping the shared-trace imports: ${shared.reason}`)

/**
 * The worked example as a VMX host with one QEMU thread per vCPU would trace it: kvm_exit,
 * kvm_cr for MOV CR3, the kernel's own kvmmmu lines of each op (taken from the real PVM trace),
 * kvm_entry. memslot ops run on the VMM's main thread.
 */
function vmxStyle(name: string): string {
  const { script, trace } = loadPair(shared.dir!, name)
  const lines = trace.split('\n')
  const marked = splitByMarkers(parseTrace(trace))[0]!
  const out: string[] = ['# tracer: nop', '#']
  let ts = 100
  const line = (pid: number, ev: string, body: string): void => {
    ts += 0.000001
    out.push(`     qemu-system-x86-${pid}   [001] .....  ${ts.toFixed(6)}: ${ev}: ${body}`)
  }
  const started = new Set<number>()
  script.ops.forEach((op, i) => {
    const events = (marked.byOp.get(i) ?? []).map((k) => lines[k.line - 1]!.replace(/^.*?: (kvm_mmu_\w+): /, '$1\u0000'))
    const emit = (pid: number): void => events.forEach((e) => line(pid, e.split('\u0000')[0]!, e.split('\u0000')[1]!))
    if (op.op === 'memslot') {
      line(900, 'kvm_mmu_zap_all_fast', 'kvm-mmu-valid-gen 0 used_pages 5')
      emit(900)
      return
    }
    if (op.op === 'unprotect' || op.op === 'fault') throw new Error(`no ${op.op} in the shared scripts`)
    const v = op.vcpu
    const pid = 1000 + v
    if (!started.has(v)) {
      started.add(v)
      emit(pid)
      line(pid, 'kvm_entry', `vcpu ${v}, rip 0x600000`)
      return
    }
    const reason = op.op === 'cr3' ? 'CR_ACCESS' : op.op === 'pt_write' ? 'EXCEPTION_NMI' : 'IO_INSTRUCTION'
    line(pid, 'kvm_exit', `vcpu ${v} reason ${reason} rip 0x600004 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`)
    if (op.op === 'cr3') line(pid, 'kvm_cr', `cr_write 3 = 0x${op.pgd.toString(16)}`)
    emit(pid)
    line(pid, 'kvm_entry', `vcpu ${v}, rip 0x600006`)
  })
  return out.join('\n').replace(/ kvm_mmu_zap_all_fast: kvm-mmu-valid-gen 0 used_pages 5\n(.*kvm_mmu_zap_all_fast: .*\n)/, '\n$1') + '\n'
}

describe.skipIf(!shared.dir)('rootlab import of the shared real traces', () => {
  for (const name of ['worked-example-zap-prev-root', 'memslot-delete']) {
    it(`${name}: writes a session whose kernel_events all agree, and the session opens`, async () => {
      const out = join(dir, `${name}.rootlab`)
      const io = capture()
      const code = await runImport([join(shared.dir!, `${name}.trace.txt`), '--script', join(shared.dir!, `${name}.script.json`), '--out', out, '--json'], io)
      expect(io.stderr).toBe('')
      expect(code).toBe(0)
      const r = JSON.parse(io.stdout)
      expect(r).toMatchObject({ agree: true, explained: true, unknown_lines: 0, lost_events: 0, alignment: 'pvm-batch', disagreements: [] })
      const s = openSession(out)
      expect(s.info()).toMatchObject({ scenario: 'import', vcpus: 2, policy: 'free-obsolete' })
      s.close()
      const db = new Database(out, { readonly: true })
      const rows = db.prepare('SELECT agreement, COUNT(*) AS n FROM kernel_events GROUP BY agreement').all()
      expect(rows).toEqual([{ agreement: 'agree', n: r.counts.kernelEvents }])
      const g = db.prepare('SELECT COUNT(*) AS n FROM kernel_groups WHERE classification = ?').get('agree') as { n: number }
      expect(g.n).toBe(r.ops + 1)
      // Each event points at the model transition it equals (the teardown is not in the session).
      const unmatched = db.prepare('SELECT COUNT(*) AS n FROM kernel_events WHERE model_seq IS NULL AND op_group >= 0').get() as { n: number }
      expect(unmatched.n).toBe(0)
      db.close()
    })
  }

  it('derives the operations of a VMX-style trace (kvm_cr, kvm_entry, kvm_exit per thread) and agrees', async () => {
    for (const name of ['worked-example-zap-prev-root', 'memslot-delete']) {
      const text = vmxStyle(name)
      const d = deriveOps(parseTrace(text))
      expect(d.vcpus).toBe(2)
      const file = join(dir, `${name}.vmx.txt`)
      writeFileSync(file, text)
      const io = capture()
      const code = await runImport([file, '--out', join(dir, `${name}.vmx.rootlab`), '--json'], io)
      expect(io.stderr).toBe('')
      expect(code).toBe(0)
      const r = JSON.parse(io.stdout)
      expect(r.disagreements).toEqual([])
      expect(r).toMatchObject({ agree: true, alignment: 'reentry' })
      expect(r.counts.kernelEvents).toBeGreaterThan(5)
    }
  })

  it('says which op disagrees when the kernel did something the model did not', async () => {
    const { trace } = loadPair(shared.dir!, 'worked-example-zap-prev-root')
    const file = join(dir, 'doctored.txt')
    writeFileSync(file, trace.replace(/(1649\.247033: kvm_mmu_get_page: sp gen 0 gfn d l4 8-byte q0 wux nxe ad root )1/, '$13'))
    const io = capture()
    const code = await runImport([file, '--script', join(shared.dir!, 'worked-example-zap-prev-root.script.json'), '--out', join(dir, 'doctored.rootlab')], io)
    expect(code).toBe(0)
    expect(io.stdout).toMatch(/DISAGREE op 8: cr3 vcpu 1 pgd 0xd000: kernel \(trace line \d+\): get_page gfn 0xd l4 gen 0 root 3 existing \| model: get_page gfn 0xd l4 gen 0 root 1 existing/)
  })

  it('refuses a marked trace without its script, in one line', async () => {
    const io = capture()
    const code = await runImport([join(shared.dir!, 'memslot-delete.trace.txt'), '--out', join(dir, 'x.rootlab')], io)
    expect(code).toBe(1)
    expect(io.stderr).toMatch(/^rootlab: .*memslot-delete.trace.txt has "rootlab op N" markers but no vCPU entries: give the script .*\n$/)
  })
})

describe('rootlab import errors', () => {
  it('usage errors exit 2 with one line', async () => {
    for (const argv of [['--bogus'], ['t.txt'], ['--out', 'x.rootlab'], ['t.txt', '--out', 'x', '--host', 'tdx']]) {
      const io = capture()
      expect(await runImport(argv, io)).toBe(2)
      expect(io.stderr).toMatch(/^rootlab: [^\n]+\n$/)
    }
  })

  it('a missing file, a file without events and an existing --out exit 1 with one line', async () => {
    const garbage = join(dir, 'garbage.txt')
    writeFileSync(garbage, 'hello\nworld\n')
    const exists = join(dir, 'exists.rootlab')
    writeFileSync(exists, '')
    const cases: [string[], RegExp][] = [
      [[join(dir, 'nope.txt'), '--out', join(dir, 'a.rootlab')], /nope.txt does not exist/],
      [[garbage, '--out', join(dir, 'b.rootlab')], /garbage.txt has no trace events \(2 unreadable lines; first unreadable line: line 1, not an event line\)/],
      [[garbage, '--out', exists], /exists.rootlab exists \(use --force to overwrite it\)/],
    ]
    for (const [argv, re] of cases) {
      const io = capture()
      expect(await runImport(argv, io)).toBe(1)
      expect(io.stderr).toMatch(re)
      expect(io.stderr.split('\n')).toHaveLength(2)
    }
    expect(readFileSync(exists, 'utf8')).toBe('')
  })
})

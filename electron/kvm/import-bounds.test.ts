/**
 * `rootlab import` is bounded by what it is given: vCPU ids and counts are checked before anything
 * is allocated, a trace is read line by line (a line without end costs no more than a short one),
 * and a long import shows a progress bar on a terminal. Linear time is measured by `npm run bench`
 * (bench/import.ts, docs/benchmarks.md), not here.
 */
import { writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { format_op } from '../../sim/script'
import { tempDir } from '../session/testing/fixtures'
import { runImport } from './import-command'
import type { Out } from './session-output'
import { captureLikeScript, syntheticTrace } from './testing/synthetic-trace'
import { parseTrace } from './trace-parser'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

function capture(): Out & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', out: (t: string) => { o.stdout += t }, err: (t: string) => { o.stderr += t } }
  return o
}

const line = (event: string, body: string) => `  qemu-system-x86-1234 [001] .....  100.000001: ${event}: ${body}\n`

describe('rootlab import, bounded', () => {
  it('refuses a three-line trace naming vCPU 4000000000 at once, naming the line', async () => {
    writeFileSync(tmp.file('v.txt'), line('kvm_exit', 'vcpu 4000000000 reason CR_ACCESS rip 0x1 info 0 0') +
      line('kvm_cr', 'cr_write 3 = 0xa000') + line('kvm_entry', 'vcpu 4000000000, rip 0x2'))
    const io = capture()
    expect(await runImport([tmp.file('v.txt'), '--out', tmp.file('v.rootlab')], io)).toBe(1)
    expect(io.stderr).toMatch(/^rootlab: .*v\.txt has no CR3 writes or vCPU entries .*; first unreadable line: line 1, bad kvm_exit body: vCPU 4000000000 is out of range \(0 to 63\)\n$/)
  })

  it('reads vCPU ids only in the model\'s range, and numbers only of a bounded number of digits', () => {
    const p = parseTrace(line('kvm_entry', 'vcpu 64, rip 0x1') + line('kvm_entry', 'vcpu 63, rip 0x1') +
      line('kvm_mmu_get_page', `sp gen 0 gfn ${'f'.repeat(11)} l4 8-byte q0 wux nxe ad root 0 sync new`) +
      line('kvm_mmu_get_page', 'sp gen 0 gfn fffffffff l4 8-byte q0 wux nxe ad root 0 sync new'))
    expect(p.events.map((e) => e.body.type)).toEqual(['entry', 'page'])
    expect(p.unknownSamples.map((u) => u.reason)).toEqual(['bad kvm_entry body: vCPU 64 is out of range (0 to 63)', 'bad kvm_mmu_get_page body'])
  })

  it('skips a line too long to be a trace line without holding it, and goes on', async () => {
    const marked = captureLikeScript(1, 6, 2)
    writeFileSync(tmp.file('s.json'), JSON.stringify({ vcpus: 1, ops: marked.ops.map(format_op) }))
    writeFileSync(tmp.file('long.txt'), `${'x'.repeat(9_000_000)}\n${syntheticTrace(marked)}`)
    const io = capture()
    expect(await runImport([tmp.file('long.txt'), '--script', tmp.file('s.json'), '--out', tmp.file('long.rootlab')], io)).toBe(0)
    expect(io.stdout).toMatch(/1 unreadable line skipped \(first: line 1, line too long \(9000000 characters; a trace line is at most 4096\)\)/)
  })

  it('shows a progress bar on a terminal, and none elsewhere', async () => {
    const marked = captureLikeScript(2, 200, 5)
    writeFileSync(tmp.file('p.json'), JSON.stringify({ vcpus: 2, ops: marked.ops.map(format_op) }))
    writeFileSync(tmp.file('p.txt'), syntheticTrace(marked))
    const tty = capture()
    expect(await runImport([tmp.file('p.txt'), '--script', tmp.file('p.json'), '--out', tmp.file('p1.rootlab')], tty, true)).toBe(0)
    expect(tty.stderr).toMatch(/\rimport \[[#.]{30}\]\s+\d+% {2}reading the trace/)
    expect(tty.stderr).toMatch(/comparing with the model/)
    expect(tty.stderr.endsWith('\r\u001b[K')).toBe(true)
    const pipe = capture()
    expect(await runImport([tmp.file('p.txt'), '--script', tmp.file('p.json'), '--out', tmp.file('p2.rootlab')], pipe, false)).toBe(0)
    expect(pipe.stderr).toBe('')
  })
})

/**
 * rootlab capture: what is refused before the host is touched (usage, unmappable scripts, an
 * existing --out), on any host.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCapture } from './capture-command'
import { checkCapturable, planText } from './capture-plan'
import { NAMED_SCRIPTS } from './capture-scripts'

const dir = mkdtempSync(join(tmpdir(), 'rootlab-capture-cmd-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function runIt(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = { code: 0, stdout: '', stderr: '' }
  r.code = await runCapture(argv, { out: (t) => { r.stdout += t }, err: (t) => { r.stderr += t } })
  return r
}

function scriptFile(name: string, ops: unknown[], vcpus = 1): string {
  const f = join(dir, name)
  writeFileSync(f, JSON.stringify({ vcpus, ops }))
  return f
}

describe('rootlab capture refusals', () => {
  it('usage errors exit 2 with one line', async () => {
    for (const argv of [[], ['--script', 'x.json'], ['--out', 'x.rootlab'], ['--nope'], ['stray', '--script', 'a', '--out', 'b']]) {
      const r = await runIt(argv)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^rootlab: capture: [^\n]+\n$/)
    }
  })

  it('refuses ops a real guest cannot run, naming the op index', async () => {
    const cases: [unknown[], RegExp][] = [
      [[{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'fault', vcpu: 0, gva: '0x1000' }], /op 1 \(fault\): cannot be mapped onto a real guest/],
      [[{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'unprotect', gfn: '0xa' }], /op 1 \(unprotect\): cannot be mapped onto a real guest/],
      [[{ op: 'run', vcpu: 0 }], /op 0 \(run\): vCPU 0 has no page table yet/],
      [[{ op: 'cr3', vcpu: 0, pgd: '0x7000000' }], /op 0 \(cr3\): pgd 0x7000000 is outside the capture guest's page-table area/],
      [[{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'pt_write', vcpu: 0, gfn: '0x900' }], /op 1 \(pt_write\): gfn 0x900 is outside/],
    ]
    for (const [ops, re] of cases) {
      const r = await runIt(['--script', scriptFile('s.json', ops), '--out', join(dir, 'never.rootlab')])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(re)
      expect(r.stderr.split('\n')).toHaveLength(2)
    }
  })

  it('an invalid script exits 1 with the op index', async () => {
    const r = await runIt(['--script', scriptFile('bad.json', [{ op: 'cr3', vcpu: 3, pgd: '0xa000' }]), '--out', join(dir, 'never.rootlab')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^rootlab: .*bad.json: op 0 \(cr3\): field "vcpu" is 3, out of range/)
  })

  it('every named script maps onto the capture guest', () => {
    for (const s of Object.values(NAMED_SCRIPTS)) expect(() => checkCapturable(s)).not.toThrow()
    expect(planText([NAMED_SCRIPTS['worked-example']!], 1024)).toContain('op 18 write 1 c800\nop 19 run 0\nop 20 run 1\nend\n')
  })
})

describe('host paging detection (/sys/module)', () => {
  it('tells shadow paging (PVM, ept=N, npt=0) from TDP and from no KVM module', async () => {
    const { mkdirSync } = await import('node:fs')
    const { hostPaging } = await import('./native-helper')
    const sys = (name: string, files: Record<string, string>): string => {
      const root = join(dir, 'sys-' + name)
      for (const [f, v] of Object.entries(files)) {
        mkdirSync(join(root, f, '..'), { recursive: true })
        writeFileSync(join(root, f), v + '\n')
      }
      mkdirSync(root, { recursive: true })
      return root
    }
    expect(hostPaging(sys('pvm', { 'kvm_pvm/parameters/pvm_native': 'Y', 'kvm/parameters/tdp_mmu': 'N' })))
      .toEqual({ shadow: true, pvm: true, describe: 'kvm_pvm (PVM: shadow paging, tdp_mmu=N)' })
    expect(hostPaging(sys('ept-on', { 'kvm_intel/parameters/ept': 'Y', 'kvm/parameters/tdp_mmu': 'Y' })))
      .toEqual({ shadow: false, pvm: false, describe: 'kvm_intel ept=Y, tdp_mmu=Y' })
    expect(hostPaging(sys('ept-off', { 'kvm_intel/parameters/ept': 'N' })).shadow).toBe(true)
    expect(hostPaging(sys('npt-off', { 'kvm_amd/parameters/npt': '0' })).shadow).toBe(true)
    expect(hostPaging(sys('none', {})).describe).toBe('no kvm_intel, kvm_amd or kvm_pvm module loaded')
  })
})

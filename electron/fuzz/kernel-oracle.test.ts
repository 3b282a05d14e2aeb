/**
 * The kernel oracle on this host's real KVM, where the host allows a capture (root, /dev/kvm with
 * shadow paging, tracefs); elsewhere skipped with the reason printed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_FUZZ_SHAPE } from '../../sim/fuzz/generate'
import type { Script } from '../../sim/script'
import { openSession } from '../session/index'
import { checkCaptureHost } from '../kvm/native-helper'
import type { FuzzTarget } from './engine'
import { checkKernel, type KernelHost } from './kernel-oracle'
import { writeFuzzFolder } from './output'
import { inlineExecutor } from './pool'
import { runFuzz } from './runner'

const h = await checkCaptureHost()
if (!h.ok) console.log(`skipping the fuzzer's kernel oracle: ${h.reason}`)
const host: KernelHost | null = h.ok ? { bin: h.bin, alignment: h.alignment, paging: h.paging } : null
const tmp = mkdtempSync(join(tmpdir(), 'rootlab-fuzz-kernel-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const shape = { ...DEFAULT_FUZZ_SHAPE, capturable: true }

/** v5.18.0's bug as a script: vCPU 0 floods its prev root A, then runs (kvm-reference.md). */
const BUG: Script = {
  vcpus: 1,
  ops: [
    { op: 'cr3', vcpu: 0, pgd: 0xa000 }, { op: 'cr3', vcpu: 0, pgd: 0xb000 },
    { op: 'pt_write', vcpu: 0, gfn: 0xa }, { op: 'pt_write', vcpu: 0, gfn: 0xa }, { op: 'pt_write', vcpu: 0, gfn: 0xa },
    { op: 'cr3', vcpu: 0, pgd: 0xb000 }, { op: 'run', vcpu: 0 },
  ],
}

describe.skipIf(!host)("the kernel oracle on this host's KVM", () => {
  const k = host!

  it('the kernel (with the fix) agrees with free-obsolete and disagrees with free-obsolete-buggy on the bug script', async () => {
    expect(await checkKernel(k, [BUG], 'free-obsolete')).toEqual([null])
    const [f] = await checkKernel(k, [BUG], 'free-obsolete-buggy')
    expect(f).toMatchObject({ oracle: 'kernel', signature: expect.stringMatching(/^the kernel disagrees with the model at /) })
  }, 60_000)

  it('free-obsolete against the kernel: no false alarm in 48 random scripts', async () => {
    const t: FuzzTarget = { seed: 3, policy: 'free-obsolete', against: 'kernel', shape }
    const r = await runFuzz({ target: t, shard: { index: 0, count: 1 }, runs: 48, seconds: null, executors: [inlineExecutor(t, k)] })
    expect(r.runs).toBe(48)
    expect(r.failures.map((f) => f.failure.detail)).toEqual([])
  }, 120_000)

  it('free-obsolete-buggy against the kernel: found, shrunk, and recorded with the kernel events and a bookmark', async () => {
    const t: FuzzTarget = { seed: 1, policy: 'free-obsolete-buggy', against: 'kernel', shape }
    const r = await runFuzz({ target: t, shard: { index: 0, count: 1 }, runs: 8, seconds: null, executors: [inlineExecutor(t, k)], blockSize: 8 })
    expect(r.failures.length).toBeGreaterThan(0)
    const smallest = r.failures[0]!
    expect(smallest.shrunk.ops.length).toBeLessThanOrEqual(10)
    const dir = join(tmp, 'kernel')
    const s = await writeFuzzFolder({ dir, target: t, shard: { index: 0, count: 1 }, result: { ...r, failures: [smallest] }, host: k })
    const session = openSession(join(dir, s.failures[0]!.session))
    try {
      expect(session.kernelSummary()).toMatchObject({ source: 'capture', explained: false })
      expect(session.bookmarks()[0]).toMatchObject({ seq: s.failures[0]!.first_seq, note: smallest.failure.signature })
      expect(s.failures[0]!.first_seq).toBeGreaterThan(0)
    } finally {
      session.close()
    }
  }, 300_000)
})

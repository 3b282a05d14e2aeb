/**
 * The kernel's events of a session, read back from files written by the real `rootlab import`
 * of the shared real-kernel traces (shared/data/kvm-traces; skipped with the reason printed where
 * they are absent), and a recorded session without the kernel tables.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runImport } from '../kvm/import-command'
import { sharedTracesDir } from '../kvm/test-support'
import { openSession, recordSession, SessionError, TABLE_DOCS, type Session } from './index'
import { SMALL_TUNING, tempDir } from './testing/fixtures'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const shared = sharedTracesDir()
if (!shared.dir) console.log(`skipping the kernel-event reads of imported traces: ${shared.reason}`)

/** `rootlab import NAME.trace.txt --script NAME.script.json --out FILE`, quietly. */
async function importShared(name: string, out: string): Promise<void> {
  let stderr = ''
  const code = await runImport(
    [join(shared.dir!, `${name}.trace.txt`), '--script', join(shared.dir!, `${name}.script.json`), '--out', out],
    { out: () => {}, err: (t) => { stderr += t } },
  )
  if (code !== 0) throw new Error(`import of ${name} failed (${code}): ${stderr}`)
}

describe.skipIf(!shared.dir)('kernel events of the imported worked example', () => {
  let s: Session
  let file: string
  beforeAll(async () => {
    file = tmp.file('we.rootlab')
    await importShared('worked-example-zap-prev-root', file)
    s = openSession(file)
  })
  afterAll(() => s?.close())

  it('says the session has kernel events, and summarizes where they came from', () => {
    expect(s.info().kernel).toBe(true)
    const k = s.kernelSummary()!
    expect(k).toMatchObject({
      source: 'import', alignment: 'pvm-batch', agree: true, explained: true, events: 18, model_events: 18,
      groups: { agree: 22, 'host-difference': 0, disagree: 0 },
      event_agreement: { agree: 18, 'host-difference': 0, disagree: 0 },
      host_difference: null, disagreements: [], unknown_lines: 0, lost_events: 0,
    })
    expect(k.file).toMatch(/worked-example-zap-prev-root\.trace\.txt$/)
    expect(k.host).toMatch(/PVM/)
    // 21 script ops in op order, then the teardown.
    expect(k.op_groups.map((g) => g.op_group)).toEqual([...Array.from({ length: 21 }, (_, i) => i), -1])
    expect(k.op_groups[18]).toMatchObject({ op_group: 18, op_first: 34, op_last: 35, vcpu: 1, label: 'op 18: pt_write vcpu 1 gfn 0xc', classification: 'agree' })
  })

  it('lists every event in trace order; the teardown comes last and has no op range', () => {
    const all = s.kernelEvents()
    expect(all).toHaveLength(18)
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => a - b))
    expect(all.filter((e) => e.op_group === -1)).toHaveLength(8)
    expect(all.at(-1)).toMatchObject({ op_group: -1, op_first: null, op_last: null, model_seq: null })
    expect(all[0]).toEqual({
      id: 1, op_group: 0, op_first: 0, op_last: 1, vcpu: 0, kind: 'kvm_mmu_get_page', gfn: 0xd, level: 4, gen: 0,
      root_count: 0, invalid: false, created: true, line: 14, model_seq: 9, agreement: 'agree', classification: 'agree',
    })
  })

  it('gives the zap of the cached root C (the third pt_write, op group 18) for any op of its group', () => {
    for (const op of [34, 35]) {
      const rows = s.kernelEvents({ fromOp: op, toOp: op })
      expect(rows).toEqual([{
        id: 9, op_group: 18, op_first: 34, op_last: 35, vcpu: 1, kind: 'kvm_mmu_prepare_zap_page', gfn: 0xc, level: 4,
        gen: 0, root_count: 1, invalid: false, created: null, line: 76, model_seq: 121, agreement: 'agree', classification: 'agree',
      }])
      // The model transition it equals is that prepare_zap, with the same values.
      expect(s.transitionAt(121)).toMatchObject({ kind: 'kvm_mmu_prepare_zap_page', gfn: 0xc, level: 4, root_count: 1, invalid: false })
    }
    expect(s.kernelEvents({ fromOp: 30, toOp: 33 })).toEqual([]) // the first two writes: no event
  })

  it('filters by op range (overlapping groups) and limit; the teardown only when the range is open-ended', () => {
    expect(s.kernelEvents({ fromOp: 35 }).map((e) => e.op_group)).toEqual([18, 19, -1, -1, -1, -1, -1, -1, -1, -1])
    expect(s.kernelEvents({ toOp: 9 }).map((e) => e.op_group)).toEqual([0, 2, 4])
    expect(s.kernelEvents({ fromOp: 5, toOp: 7 }).map((e) => e.op_group)).toEqual([2, 4])
    expect(s.kernelEvents({ limit: 2 }).map((e) => e.id)).toEqual([1, 2])
    expect(() => s.kernelEvents({ fromOp: -1 })).toThrow(SessionError)
    expect(() => s.kernelEvents({ limit: 0 })).toThrow(/limit must be/)
  })

  it('documents the kernel tables for the SQL console, and they can be queried there', () => {
    for (const t of ['kernel_events', 'kernel_groups', 'kernel_trace']) expect(TABLE_DOCS[t]).toBeTruthy()
    const r = s.sql("SELECT count(*) FROM kernel_events WHERE agreement = 'agree'")
    expect(r.rows).toEqual([[18]])
  })

  it('reads a classification other than agree as the file says (a disagreeing group)', () => {
    const copy = tmp.file('we-disagree.rootlab')
    s.exportDb(copy)
    const db = new Database(copy)
    db.prepare("UPDATE kernel_groups SET classification = 'disagree', first_diff = 0 WHERE op_group = 18").run()
    db.prepare("UPDATE kernel_events SET agreement = 'disagree', model_seq = NULL WHERE op_group = 18").run()
    db.prepare("UPDATE kernel_trace SET value = 'false' WHERE key IN ('agree', 'explained')").run()
    db.prepare("UPDATE kernel_trace SET value = '[18]' WHERE key = 'disagreements'").run()
    db.close()
    const d = openSession(copy)
    try {
      expect(d.kernelSummary()).toMatchObject({
        agree: false, explained: false, disagreements: [18], groups: { agree: 21, disagree: 1 }, event_agreement: { agree: 17, disagree: 1 },
      })
      expect(d.kernelEvents({ fromOp: 34, toOp: 34 })[0]).toMatchObject({ agreement: 'disagree', classification: 'disagree', model_seq: null })
    } finally {
      d.close()
    }
  })
})

describe.skipIf(!shared.dir)('kernel events of the imported memslot deletion', () => {
  it('has a kvm_mmu_zap_all_fast event in the memslot op\'s group', async () => {
    const file = tmp.file('memslot.rootlab')
    await importShared('memslot-delete', file)
    const s = openSession(file)
    try {
      const k = s.kernelSummary()!
      expect(k).toMatchObject({ agree: true, groups: { disagree: 0, 'host-difference': 0 } })
      const zapAll = s.kernelEvents().filter((e) => e.kind === 'kvm_mmu_zap_all_fast')
      expect(zapAll.length).toBeGreaterThan(0)
      const g = k.op_groups.find((x) => x.op_group === zapAll[0]!.op_group)!
      expect(g.label).toMatch(/memslot/)
      expect(s.kernelEvents({ fromOp: g.op_first!, toOp: g.op_last! }).map((e) => e.kind)).toContain('kvm_mmu_zap_all_fast')
    } finally {
      s.close()
    }
  })
})

describe('a recorded session (no kernel tables)', () => {
  it('has no kernel summary and no kernel events, and says so in its info', () => {
    const file = tmp.file('plain.rootlab')
    recordSession({
      source: { type: 'ops', name: 'plain', vcpus: 1, ops: [{ op: 'cr3', vcpu: 0, pgd: 0x1000 }, { op: 'run', vcpu: 0 }] },
      policy: 'free-obsolete', out: file, tuning: SMALL_TUNING,
    })
    const s = openSession(file)
    try {
      expect(s.info().kernel).toBe(false)
      expect(s.kernelSummary()).toBeNull()
      expect(s.kernelEvents()).toEqual([])
      expect(s.kernelEvents({ fromOp: 0, toOp: 1 })).toEqual([])
    } finally {
      s.close()
    }
  })
})

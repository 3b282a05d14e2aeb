import { describe, expect, it } from 'vitest'
import type { KernelEventRow, KernelGroupRow, TransitionRow } from '../../../electron/api/contract'
import { classificationText, eventSeq, groupOfOp, groupSpans, kernelBuckets, pairEvents } from './kernel-track'

const group = (op_group: number, op_first: number | null, op_last: number | null, classification: KernelGroupRow['classification'] = 'agree'): KernelGroupRow => ({
  op_group, op_first, op_last, vcpu: 0, label: `op ${op_group}`, classification, first_diff: classification === 'agree' ? null : 0,
  kernel_events: 1, model_events: 1,
})
const event = (id: number, op_group: number, model_seq: number | null, agreement: KernelEventRow['agreement'] = 'agree'): KernelEventRow => ({
  id, op_group, op_first: null, op_last: null, vcpu: 0, kind: 'kvm_mmu_prepare_zap_page', gfn: 0xc, level: 4, gen: 0, root_count: 1,
  invalid: false, created: null, line: id, model_seq, agreement, classification: agreement,
})
// ops 0..3: seqs 1-5, 6-6, (none), 7-10
const ops = { first: [1, 6, 7, 7], last: [5, 6, 6, 10] }
const groups = [group(0, 0, 1), group(1, 2, 3, 'disagree'), group(-1, null, null)]

describe('kernel track', () => {
  it('places op groups at their seq span, the teardown at the end', () => {
    const spans = groupSpans(groups, ops, 10)
    expect(spans.get(0)).toEqual({ from: 1, to: 6 })
    expect(spans.get(1)).toEqual({ from: 7, to: 10 })
    expect(spans.get(-1)).toEqual({ from: 10, to: 10 })
    expect(groupOfOp(groups, 3)?.op_group).toBe(1)
    expect(groupOfOp(groups, 9)).toBeNull()
    expect(eventSeq(event(1, 0, 4), spans, 10)).toBe(4)
    expect(eventSeq(event(2, 1, null), spans, 10)).toBe(10)
  })

  it('counts events per column, coloured by the worst; a differing group marks its column even without events', () => {
    const spans = groupSpans(groups, ops, 10)
    const b = kernelBuckets([event(1, 0, 2), event(2, 0, 3, 'host-difference')], groups, spans, 0, 10, 5, 10)
    expect(b[1]).toMatchObject({ counts: { agree: 1, 'host-difference': 1, disagree: 0 }, worst: 'host-difference', groups: [0], seq: 2 })
    expect(b[4]).toMatchObject({ counts: { agree: 0, 'host-difference': 0, disagree: 0 }, worst: 'disagree', groups: [1] })
    expect(b[0]).toBeNull()
  })

  it('pairs kernel and model events in order, field by field, marking differences', () => {
    const model: TransitionRow = {
      seq: 4, op: 1, kind: 'kvm_mmu_prepare_zap_page', vcpu: 0, sp: 2, gfn: 0xc, level: 4, mmu_valid_gen: 0, root_count: 1,
      invalid: false, unsync: false, reason: 'flooded', zapped_root: true,
    }
    const [same] = pairEvents([event(1, 0, 4)], [model])
    expect(same!.differs).toBe(false)
    expect(same!.fields.find((f) => f.name === 'gfn')).toEqual({ name: 'gfn', kernel: '0xc', model: '0xc', differs: false })
    const pairs = pairEvents([{ ...event(1, 0, null, 'disagree'), root_count: 0 }], [model, { ...model, seq: 5, kind: 'kvm_mmu_get_page', created: true }])
    expect(pairs).toHaveLength(2)
    expect(pairs[0]!.fields.filter((f) => f.differs).map((f) => f.name)).toEqual(['root_count'])
    expect(pairs[1]!.kernel).toBeNull()
    expect(pairs[1]!.fields.find((f) => f.name === 'created')).toEqual({ name: 'created', kernel: '—', model: 'new', differs: true })
    expect(classificationText(group(1, 2, 3, 'disagree'), null)).toMatch(/from event #1 .*model bug/)
    expect(classificationText(group(1, 2, 3, 'host-difference'), 'the PVM host does X')).toMatch(/the PVM host does X.*Host differences/)
  })
})

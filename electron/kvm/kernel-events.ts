/**
 * The kernel's side of a comparison: kvmmmu events of a parsed trace, in comparable form, split
 * into op groups by Root Lab's markers (`tracing_mark_write: rootlab ...`, written by
 * native/kvm-capture and by the scripted guests of shared/data/kvm-traces):
 *
 *     rootlab script <i> vcpus <n>   a capture plan's script i begins (absent in single traces)
 *     rootlab op <i>                 the events that follow belong to script op i
 *     rootlab teardown               the VM's destruction follows (final root_count of every root)
 *     rootlab end                    the destruction is complete
 *
 * Only events of the marker's host thread are taken (a tracefs instance records every VM on the
 * host); the others are counted as foreign.
 */
import type { MmuEvent } from './model-runner'
import { markerText, type ParsedTrace, type TraceEvent } from './trace-parser'

/** The root level of a 64-bit guest with 4-level paging (PT64_ROOT_4LEVEL). */
export const ROOT_LEVEL = 4

/** A kernel event in compared form, with where it is in the trace. */
export interface KernelEvent extends MmuEvent {
  /** Line number in the trace text. */
  line: number
  ts: number
  pid: number
  cpu: number
  /** role.direct: a TDP page (never compared; such a trace is not shadow paging). */
  direct: boolean
  /** For kvm_mmu_zap_all_fast: n_used_mmu_pages as printed. */
  used_pages: number | null
}

/** Converts a trace event to compared form, or null if it is not a compared kind. */
export function kernelEvent(e: TraceEvent, group: number): KernelEvent | null {
  const base = { group, line: e.line, ts: e.ts, pid: e.pid, cpu: e.cpu }
  if (e.body.type === 'page' && (e.name === 'kvm_mmu_get_page' || e.name === 'kvm_mmu_prepare_zap_page')) {
    const sp = e.body.sp
    return {
      ...base, kind: e.name, gfn: sp.gfn, level: sp.level, gen: sp.gen, root_count: sp.root_count,
      invalid: sp.invalid, created: e.name === 'kvm_mmu_get_page' ? e.body.created : null, direct: sp.direct,
      used_pages: null,
    }
  }
  if (e.body.type === 'zap_all_fast') {
    return {
      ...base, kind: 'kvm_mmu_zap_all_fast', gfn: 0, level: 0, gen: e.body.gen, root_count: 0,
      invalid: false, created: null, direct: false, used_pages: e.body.used_pages,
    }
  }
  return null
}

/**
 * Whether an event takes part in the comparison: root-level shadow pages (non-root pages appear
 * on VMX/SVM hosts when the guest's instruction fetches fault in; the capture guest's model has
 * none) and kvm_mmu_zap_all_fast.
 */
export function isCompared(e: MmuEvent & { direct?: boolean }): boolean {
  if (e.kind === 'kvm_mmu_zap_all_fast') return true
  return e.level === ROOT_LEVEL && !e.direct
}

/** One script's events, split by markers. */
export interface MarkedScript {
  /** From "rootlab script <i>", or null when the trace has no script markers. */
  script: number | null
  vcpus: number | null
  /** The host thread that wrote the markers. */
  pid: number | null
  /** Compared kernel events by op index (sparse: ops without events have none). */
  byOp: Map<number, KernelEvent[]>
  /** Op indexes whose marker was seen, in order. */
  opsSeen: number[]
  teardown: KernelEvent[]
  /** Whether "rootlab teardown" / "rootlab end" were seen. */
  sawTeardown: boolean
  sawEnd: boolean
  /** Compared events before the first op marker (should be none). */
  preamble: KernelEvent[]
  /** kvmmmu page events not compared (non-root levels, direct pages). */
  notCompared: number
  /** Events of other host threads (another VM on the host). */
  foreign: number
}

function emptyScript(script: number | null, vcpus: number | null): MarkedScript {
  return {
    script, vcpus, pid: null, byOp: new Map(), opsSeen: [], teardown: [], sawTeardown: false,
    sawEnd: false, preamble: [], notCompared: 0, foreign: 0,
  }
}

const SCRIPT_MARK = /^rootlab script (\d+)(?: vcpus (\d+))?$/
const OP_MARK = /^rootlab op (\d+)$/

/** True if the trace has Root Lab op markers. */
export function hasOpMarkers(trace: ParsedTrace): boolean {
  return trace.events.some((e) => {
    const t = markerText(e)
    return t !== null && OP_MARK.test(t)
  })
}

/** Splits a parsed trace into scripts and op groups by the markers. */
export function splitByMarkers(trace: ParsedTrace): MarkedScript[] {
  const scripts: MarkedScript[] = []
  let cur: MarkedScript | null = null
  let phase: { type: 'pre' } | { type: 'op'; index: number } | { type: 'teardown' } | { type: 'end' } = { type: 'pre' }
  for (const e of trace.events) {
    const text = markerText(e)
    if (text !== null && text.startsWith('rootlab ')) {
      const sm = SCRIPT_MARK.exec(text)
      if (sm) {
        cur = emptyScript(Number(sm[1]), sm[2] === undefined ? null : Number(sm[2]))
        cur.pid = e.pid
        scripts.push(cur)
        phase = { type: 'pre' }
        continue
      }
      if (!cur) {
        cur = emptyScript(null, null)
        scripts.push(cur)
      }
      if (cur.pid === null) cur.pid = e.pid
      const om = OP_MARK.exec(text)
      if (om) {
        const index = Number(om[1])
        phase = { type: 'op', index }
        cur.opsSeen.push(index)
        if (!cur.byOp.has(index)) cur.byOp.set(index, [])
      } else if (text === 'rootlab teardown') {
        phase = { type: 'teardown' }
        cur.sawTeardown = true
      } else if (text === 'rootlab end') {
        phase = { type: 'end' }
        cur.sawEnd = true
      }
      continue
    }
    if (!cur) continue
    const group = phase.type === 'op' ? phase.index : -1
    const k = kernelEvent(e, group)
    if (!k) continue
    if (cur.pid !== null && e.pid !== cur.pid) {
      cur.foreign++
      continue
    }
    if (!isCompared(k)) {
      cur.notCompared++
      continue
    }
    if (phase.type === 'op') cur.byOp.get(phase.index)!.push(k)
    else if (phase.type === 'teardown') cur.teardown.push(k)
    else if (phase.type === 'pre') cur.preamble.push(k)
    else cur.foreign++
  }
  return scripts
}

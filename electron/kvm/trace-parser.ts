/**
 * Parser for kernel trace text: the tracefs `trace` file (ftrace) and `trace-cmd report` output,
 * for the kvmmmu and kvm events Root Lab compares the model with (kvm-reference.md §4).
 *
 * Robust by contract: it never throws on input. Every non-comment line that it cannot read is
 * counted (and the first few kept as samples) so that the caller can report them; lines of
 * events it does not interpret are counted per event name.
 *
 * Bounded by contract too: it reads line by line (TraceReader; `rootlab import` streams the file
 * into it), a line longer than MAX_LINE_CHARS is not matched at all (the prefix pattern would
 * backtrack over it), every number is read from a bounded number of digits and vCPU ids must be
 * ones the model has (0 to MAX_VCPUS - 1) — a line naming `vcpu 4000000000` is unreadable, not an
 * order to allocate four billion vCPUs. With `keep: 'used'` only the events the import uses are
 * kept (the rest are counted), so memory follows the events compared, not the file's size.
 */
import { MAX_VCPUS } from '../../sim/constants'

/** Fields printed by KVM_MMU_PAGE_PRINTK (mmutrace.h), common to the kvmmmu page events. */
export interface SpFields {
  /** sp->mmu_valid_gen. */
  gen: number
  gfn: number
  /** role.level. */
  level: number
  /** 4 or 8 (role.has_4_byte_gpte). */
  gpte_bytes: number
  quadrant: number
  direct: boolean
  /** access_str[role.access], e.g. "wux". */
  access: string
  /** role.invalid, as printed (before the zap, for kvm_mmu_prepare_zap_page). */
  invalid: boolean
  efer_nx: boolean
  ad_disabled: boolean
  root_count: number
  unsync: boolean
}

/** The interpreted body of an event line. */
export type EventBody =
  | { type: 'page'; sp: SpFields; created: boolean | null }
  | { type: 'zap_all_fast'; gen: number; used_pages: number }
  | { type: 'cr'; write: boolean; cr: number; value: bigint }
  | { type: 'entry'; vcpu: number }
  | { type: 'exit'; vcpu: number | null; reason: string }
  | { type: 'emulate'; rip: bigint; bytes: string; mode: string; failed: boolean }
  | { type: 'marker'; text: string }
  | { type: 'other' }

/** One event line of a trace. */
export interface TraceEvent {
  /** Line number in the text, from 1. */
  line: number
  /** Task name and pid of the host thread (TASK-PID). */
  comm: string
  pid: number
  cpu: number
  /** Timestamp in seconds, as printed. */
  ts: number
  /** Event name: kvm_mmu_get_page, kvm_cr, tracing_mark_write, ... */
  name: string
  body: EventBody
}

/** A line the parser could not read. */
export interface UnknownLine {
  line: number
  text: string
  /** Why: "not an event line" or "bad <event> body". */
  reason: string
}

export interface ParsedTrace {
  events: TraceEvent[]
  /** Lines that are neither comments, blank, headers nor readable events. */
  unknown: number
  /** The first unknown lines (at most UNKNOWN_SAMPLES). */
  unknownSamples: UnknownLine[]
  /** Event lines of events that are not interpreted, by event name (at most MAX_EVENT_NAMES names). */
  otherEvents: Record<string, number>
  /** Event lines of every event, by name (at most MAX_EVENT_NAMES names), kept or not. */
  eventCounts: Record<string, number>
  /** Events lost by the ring buffer: "[LOST n EVENTS]" lines and the entries-in-buffer header. */
  lost: number
  /** Total lines read. */
  lines: number
}

/** How many unknown lines are kept as samples. */
export const UNKNOWN_SAMPLES = 20

/** Longest line read; a trace line is about 150 characters. */
export const MAX_LINE_CHARS = 4096

/** Distinct event names counted; the rest are counted under OTHER_NAMES. */
const MAX_EVENT_NAMES = 256
const OTHER_NAMES = '(other names)'

/** The event names the parser interprets. */
export const PAGE_EVENTS = ['kvm_mmu_get_page', 'kvm_mmu_prepare_zap_page', 'kvm_mmu_sync_page', 'kvm_mmu_unsync_page'] as const
export type PageEventName = (typeof PAGE_EVENTS)[number]

/**
 * Line prefix (kvm-reference.md §4): `comm-pid [cpu] flags ts: event: body`. Made tolerant of
 * the variants seen in the wild: an optional TGID column "(  123)" / "(-------)" (option
 * record-tgid), no flags column (option irq-info off, older trace-cmd), and comm names that
 * contain spaces or dashes (the pid is the last "-digits" before the CPU column).
 */
const PREFIX = /^\s*(.+)-(\d{1,10})\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d{1,6})\]\s+(?:(\S{4,5})\s+)?(\d{1,12}\.\d{1,9}):\s+([\w:.]{1,128}):\s*(.*)$/

/** KVM_MMU_PAGE_PRINTK body (kvm-reference.md §4), with what may follow it. */
const SP_BODY = /^sp gen (\d{1,10}) gfn ([0-9a-f]{1,10}) l(\d) ([48])-byte q(\d)( direct)? (\S{3})( invalid)? (!?)nxe (!?)ad root (\d{1,10}) (sync|unsync)\s*(.*)$/

const ZAP_ALL_FAST = /^kvm-mmu-valid-gen (\d{1,10}) used_pages ([0-9a-f]{1,12})\s*$/
const KVM_CR = /^cr_(read|write) (\d{1,2}) = 0x([0-9a-f]{1,16})\b/
/** kvm_entry: "vcpu %u" (old), "vcpu %u, rip 0x%lx..." (v5.x+). */
const KVM_ENTRY = /^vcpu (\d{1,10})\b/
/** kvm_exit: "vcpu %u reason %s ..." (v5.x+) or "reason %s ..." (old kernels). */
const KVM_EXIT = /^(?:vcpu (\d{1,10}) )?reason (\S+)/
/** kvm_emulate_insn: "%x:%llx:%s (%s)%s", e.g. "0:600000:e6 10 (prot64)". */
const EMULATE = /^([0-9a-f]+):([0-9a-f]+):([0-9a-f ]*?) ?\((\w+)\)( failed)?\s*$/
const LOST = /\[LOST (\d{1,15}) EVENTS\]/
const ENTRIES_HEADER = /^#\s*entries-in-buffer\/entries-written:\s*(\d{1,15})\/(\d{1,15})/

/** Parses the KVM_MMU_PAGE_PRINTK body of a kvmmmu page event, or null. */
export function parseSpBody(name: PageEventName, body: string): { sp: SpFields; created: boolean | null } | null {
  const m = SP_BODY.exec(body)
  if (!m) return null
  const rest = m[13]!.replace(/\0/g, '').trim()
  let created: boolean | null = null
  if (name === 'kvm_mmu_get_page') {
    if (rest === 'new') created = true
    else if (rest === 'existing') created = false
    else return null
  } else if (rest !== '') {
    return null
  }
  return {
    sp: {
      gen: Number(m[1]), gfn: parseInt(m[2]!, 16), level: Number(m[3]), gpte_bytes: Number(m[4]),
      quadrant: Number(m[5]), direct: m[6] !== undefined, access: m[7]!, invalid: m[8] !== undefined,
      efer_nx: m[9] === '', ad_disabled: m[10] === '!', root_count: Number(m[11]), unsync: m[12] === 'unsync',
    },
    created,
  }
}

/** A vCPU id the model has, or null. */
const vcpuId = (digits: string): number | null => {
  const v = Number(digits)
  return v < MAX_VCPUS ? v : null
}

/** Interprets an event body; null if the event is known but its body is not readable. */
function parseBody(name: string, body: string): EventBody | null {
  switch (name) {
    case 'kvm_mmu_get_page':
    case 'kvm_mmu_prepare_zap_page':
    case 'kvm_mmu_sync_page':
    case 'kvm_mmu_unsync_page': {
      const r = parseSpBody(name, body)
      return r ? { type: 'page', ...r } : null
    }
    case 'kvm_mmu_zap_all_fast': {
      const m = ZAP_ALL_FAST.exec(body)
      return m ? { type: 'zap_all_fast', gen: Number(m[1]), used_pages: parseInt(m[2]!, 16) } : null
    }
    case 'kvm_cr': {
      const m = KVM_CR.exec(body)
      return m ? { type: 'cr', write: m[1] === 'write', cr: Number(m[2]), value: BigInt('0x' + m[3]) } : null
    }
    case 'kvm_entry': {
      const m = KVM_ENTRY.exec(body)
      const vcpu = m ? vcpuId(m[1]!) : null
      return vcpu === null ? null : { type: 'entry', vcpu }
    }
    case 'kvm_exit': {
      const m = KVM_EXIT.exec(body)
      if (!m) return null
      const vcpu = m[1] === undefined ? null : vcpuId(m[1])
      if (m[1] !== undefined && vcpu === null) return null
      return { type: 'exit', vcpu, reason: m[2]!.slice(0, 64) }
    }
    case 'kvm_emulate_insn': {
      const m = EMULATE.exec(body)
      return m
        ? { type: 'emulate', rip: BigInt('0x' + m[2]), bytes: m[3]!.trim(), mode: m[4]!, failed: m[5] !== undefined }
        : null
    }
    case 'tracing_mark_write':
      return { type: 'marker', text: body.replace(/\s+$/, '') }
    default:
      return { type: 'other' }
  }
}

/** Header lines of trace-cmd report ("cpus=2", "version = 6", "CPU 1 is empty"). */
function isHeader(text: string): boolean {
  return /^\s*(cpus=\d+|version\s*=|CPU \d+ is empty|trace-cmd:|\[\s*$)/.test(text)
}

/** Why a known event's body was not readable (for the unknown line's reason). */
function badBodyReason(name: string, body: string): string {
  if (name === 'kvm_entry' || name === 'kvm_exit') {
    const m = /^(?:vcpu (\d+))/.exec(body)
    if (m && !(Number(m[1]) < MAX_VCPUS)) return `bad ${name} body: vCPU ${m[1]!.slice(0, 20)} is out of range (0 to ${MAX_VCPUS - 1})`
  }
  return `bad ${name} body`
}

export interface TraceReadOptions {
  /**
   * 'all' (default): every event line is kept in `events`. 'used': only what `rootlab import`
   * uses — kvmmmu page events, kvm_mmu_zap_all_fast, CR writes, entries, exits and Root Lab's
   * own markers; the others are only counted (eventCounts, otherEvents).
   */
  keep?: 'all' | 'used'
}

/** Reads a trace line by line (`line`), then `result()`. */
export class TraceReader {
  private readonly out: ParsedTrace = { events: [], unknown: 0, unknownSamples: [], otherEvents: {}, eventCounts: {}, lost: 0, lines: 0 }
  private readonly keepAll: boolean

  constructor(o: TraceReadOptions = {}) {
    this.keepAll = (o.keep ?? 'all') === 'all'
  }

  private unknown(line: number, t: string, reason: string): void {
    this.out.unknown++
    if (this.out.unknownSamples.length < UNKNOWN_SAMPLES) this.out.unknownSamples.push({ line, text: t.slice(0, 300), reason })
  }

  private count(into: Record<string, number>, name: string): void {
    const key = name in into || Object.keys(into).length < MAX_EVENT_NAMES ? name : OTHER_NAMES
    into[key] = (into[key] ?? 0) + 1
  }

  /** A line that was longer than MAX_LINE_CHARS (not kept by the caller): only counted. */
  longLine(length: number): void {
    const line = ++this.out.lines
    this.unknown(line, '', `line too long (${length} characters; a trace line is at most ${MAX_LINE_CHARS})`)
  }

  /** One line of the trace, without its newline. */
  line(t: string): void {
    const line = ++this.out.lines
    if (t.length > MAX_LINE_CHARS) {
      this.unknown(line, t, `line too long (${t.length} characters; a trace line is at most ${MAX_LINE_CHARS})`)
      return
    }
    if (t.trim() === '') return
    if (t.startsWith('#')) {
      const h = ENTRIES_HEADER.exec(t)
      if (h && Number(h[2]) > Number(h[1])) this.out.lost += Number(h[2]) - Number(h[1])
      return
    }
    const lost = LOST.exec(t)
    if (lost) {
      this.out.lost += Number(lost[1])
      return
    }
    const m = PREFIX.exec(t)
    if (!m) {
      if (!isHeader(t)) this.unknown(line, t, 'not an event line')
      return
    }
    let name = m[6]!
    let rawBody = m[7]!
    // trace-cmd report: "print: tracing_mark_write: text"; some versions prefix the ip.
    if (name === 'print') {
      const pm = /^(?:\S+\s+)?tracing_mark_write: ?(.*)$/.exec(rawBody)
      if (pm) {
        name = 'tracing_mark_write'
        rawBody = pm[1]!
      }
    }
    // trace-cmd prints "system:event" with -v or some options; keep the event name.
    if (name.includes(':')) name = name.slice(name.lastIndexOf(':') + 1)
    const body = parseBody(name, rawBody)
    if (!body) {
      this.unknown(line, t, badBodyReason(name, rawBody))
      return
    }
    this.count(this.out.eventCounts, name)
    if (body.type === 'other') this.count(this.out.otherEvents, name)
    if (!this.keepAll && (body.type === 'other' || body.type === 'emulate' || (body.type === 'marker' && !body.text.startsWith('rootlab ')))) return
    this.out.events.push({
      line, comm: this.keepAll ? m[1]!.trim() : '', pid: Number(m[2]), cpu: Number(m[3]), ts: Number(m[5]), name, body,
    })
  }

  result(): ParsedTrace {
    return this.out
  }
}

/**
 * Parses trace text. Event lines whose event name is `print` and whose body starts with
 * "tracing_mark_write: " (trace-cmd report's rendering of a marker) are markers too.
 */
export function parseTrace(text: string, o: TraceReadOptions = {}): ParsedTrace {
  const reader = new TraceReader(o)
  const lines = text.split(/\r?\n/)
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  for (const t of lines) reader.line(t)
  return reader.result()
}

/** A page event's fields, or null for other events. */
export function pageFields(e: TraceEvent): { sp: SpFields; created: boolean | null } | null {
  return e.body.type === 'page' ? e.body : null
}

/** The marker text of a tracing_mark_write event, or null. */
export function markerText(e: TraceEvent): string | null {
  return e.body.type === 'marker' ? e.body.text : null
}

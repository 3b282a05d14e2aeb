/**
 * `rootlab import FILE.txt --out FILE`: reads ftrace `trace` / `trace-cmd report` text with
 * kvmmmu events into a session: the model's replay of the trace's operations, with the kernel's
 * events beside it (kernel-events-store.ts) and the comparison printed.
 *
 * Operations come from, in order of preference: the script that produced the trace (`--script`,
 * for traces with "rootlab op N" markers, e.g. shared/data/kvm-traces), or CR3 writes and entries
 * per vCPU (kvm:kvm_cr, kvm:kvm_entry, kvm:kvm_exit; derive-ops.ts).
 */
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { parse_script, ScriptError, type Script } from '../../sim/script'
import { InputFileError, readInputLines, readScriptFile } from '../cli/input-file'
import { ProgressBar } from '../cli/progress'
import { compare } from './comparator'
import { CAPTURE_N_MAX_MMU_PAGES, compareMarked, TraceMismatchError } from './compare-trace'
import { canDerive, deriveOps } from './derive-ops'
import { hasOpMarkers, splitByMarkers } from './kernel-events'
import type { Alignment } from './op-groups'
import { checkOut, comparisonJson, comparisonText, fail, processOut, usageMessage, writeSession, type ExitCode, type Out } from './session-output'
import { MAX_LINE_CHARS, TraceReader, type ParsedTrace } from './trace-parser'

export const IMPORT_HELP = `Usage: rootlab import TRACE.txt --out FILE [--script SCRIPT.json] [--host pvm|vmx] [--force] [--json]

Reads a kernel trace (the tracefs "trace" file or "trace-cmd report" output) with kvmmmu events
into a session: the model (free-obsolete) replays the trace's operations, and the kernel's
kvm_mmu_get_page / kvm_mmu_prepare_zap_page events are stored beside the model's transitions and
compared op by op. Unreadable lines are counted and reported.
  --script FILE   the script that produced a trace with "rootlab op N" markers
  --host H        how the traced host ran each op: pvm (emulation batches) or vmx (re-entry after
                  an exit; also SVM); default: pvm if the trace has kvm_emulate_insn but no kvm_entry
  --out FILE      the session file to write
  --force         overwrite FILE if it exists
  --json          print the result as one JSON object on stdout
Record a trace elsewhere with:
  trace-cmd record -e kvmmmu -e kvm:kvm_cr -e kvm:kvm_entry -e kvm:kvm_exit -- <your VMM>
  trace-cmd report > TRACE.txt
`

/** A PVM-style trace: guest instructions emulated, no VM entries traced. */
function looksPvm(t: ParsedTrace): boolean {
  return (t.eventCounts.kvm_emulate_insn ?? 0) > 0 && !(t.eventCounts.kvm_entry ?? 0)
}

/** The first unreadable line, for a refusal that would otherwise not say what is wrong. */
function firstUnreadable(t: ParsedTrace): string {
  const s = t.unknownSamples[0]
  return s ? `; first unreadable line: line ${s.line}, ${s.reason}` : ''
}

/** Reads a trace file line by line into the parser, with a progress bar on a terminal. */
function readTrace(file: string, bar: ProgressBar | null): ParsedTrace {
  const reader = new TraceReader({ keep: 'used' })
  const onBytes = bar ? (read: number, size: number) => bar.update(size > 0 ? 0.4 * (read / size) : 0, 'reading the trace') : undefined
  // MAX_LINE_CHARS characters are at most 4 bytes each in UTF-8.
  for (const l of readInputLines(file, 'trace', { maxLineBytes: 4 * MAX_LINE_CHARS, ...(onBytes ? { onBytes } : {}) })) {
    if (l.text === null) reader.longLine(l.tooLong)
    else reader.line(l.text)
  }
  return reader.result()
}

/** Runs `rootlab import ARGV...`; resolves with the exit status. */
export async function runImport(argv: string[], io: Out = processOut, errIsTTY = Boolean(process.stderr.isTTY)): Promise<ExitCode> {
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  try {
    const r = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        out: { type: 'string', short: 'o' }, script: { type: 'string' }, host: { type: 'string' },
        force: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    })
    values = r.values
    positionals = r.positionals
  } catch (e) {
    return fail(io, `import: ${usageMessage(e as Error)} (see rootlab import --help)`, 2)
  }
  if (values.help) {
    io.out(IMPORT_HELP)
    return 0
  }
  if (positionals.length !== 1) return fail(io, `import: give one trace file (see rootlab import --help)`, 2)
  const file = positionals[0]!
  const out = values.out as string | undefined
  if (!out) return fail(io, 'import: --out FILE is required (see rootlab import --help)', 2)
  const host = values.host as string | undefined
  if (host !== undefined && host !== 'pvm' && host !== 'vmx') return fail(io, `import: --host must be pvm or vmx, got "${host}"`, 2)
  const exists = checkOut(out, Boolean(values.force))
  if (exists) return fail(io, exists)

  let script: Script | null = null
  if (values.script !== undefined) {
    const sf = values.script as string
    try {
      script = parse_script(readScriptFile(sf))
    } catch (e) {
      if (e instanceof ScriptError) return fail(io, `${sf}: ${e.message}`)
      if (e instanceof InputFileError) return fail(io, e.message)
      throw e
    }
  }

  const bar = errIsTTY ? new ProgressBar({ out: io.out, err: io.err, errIsTTY, columns: 100 }, 'import') : null
  let trace: ParsedTrace
  try {
    trace = readTrace(file, bar)
  } catch (e) {
    bar?.done()
    if (e instanceof InputFileError) return fail(io, e.message)
    throw e
  }
  const kvmmmu = Object.entries(trace.eventCounts).reduce((n, [name, c]) => (name.startsWith('kvm_mmu_') ? n + c : n), 0)
  const events = Object.values(trace.eventCounts).reduce((a, b) => a + b, 0)
  if (events === 0) {
    bar?.done()
    return fail(io, `${file} has no trace events (${trace.unknown} unreadable lines${firstUnreadable(trace)}): is it ftrace or trace-cmd report text?`)
  }
  const alignment: Alignment = host === 'pvm' || (host === undefined && looksPvm(trace)) ? 'pvm-batch' : 'reentry'
  const notes: string[] = []
  let comparison
  let vcpus: number
  bar?.update(0.4, 'comparing with the model')
  try {
    if (hasOpMarkers(trace) && script) {
      const marked = splitByMarkers(trace)
      if (marked.length > 1) notes.push(`the trace holds ${marked.length} scripts; imported the first`)
      comparison = compareMarked(script, marked[0]!, { alignment })
      vcpus = script.vcpus
    } else if (canDerive(trace)) {
      if (script) notes.push('the trace has no "rootlab op N" markers: operations derived from its CR3 writes and entries, --script ignored')
      const d = deriveOps(trace)
      notes.push(...d.notes)
      comparison = compare(d.groups, d.kernel, null, { vcpus: d.vcpus, n_max_mmu_pages: CAPTURE_N_MAX_MMU_PAGES, alignment })
      vcpus = d.vcpus
    } else if (hasOpMarkers(trace)) {
      bar?.done()
      return fail(io, `${file} has "rootlab op N" markers but no vCPU entries: give the script that produced it with --script FILE`)
    } else {
      bar?.done()
      return fail(io, `${file} has no CR3 writes or vCPU entries (kvm:kvm_cr, kvm:kvm_entry) and no rootlab markers: ` +
        `no operations to replay (record with -e kvmmmu -e kvm:kvm_cr -e kvm:kvm_entry -e kvm:kvm_exit)${firstUnreadable(trace)}`)
    }
  } catch (e) {
    bar?.done()
    if (e instanceof TraceMismatchError) return fail(io, `${file}: ${e.message}`)
    throw e
  }

  let transitions: number
  try {
    transitions = writeSession({
      out, force: Boolean(values.force), name: basename(file), scenario: 'import', vcpus, n_max_mmu_pages: CAPTURE_N_MAX_MMU_PAGES,
      comparison, info: {
        source: 'import', file, host: alignment === 'pvm-batch' ? 'PVM-style trace (emulated instructions)' : 'VMX/SVM-style trace',
        unknownLines: trace.unknown, lostEvents: trace.lost,
      },
      ...(bar ? { onProgress: (f: number) => bar.update(0.5 + 0.5 * f, 'recording the session') } : {}),
    })
  } catch (e) {
    bar?.done()
    return fail(io, (e as Error).message)
  }
  bar?.done()
  if (values.json) {
    io.out(JSON.stringify({
      file: out, trace: file, lines: trace.lines, kvmmmu_events: kvmmmu, unknown_lines: trace.unknown,
      unknown_samples: trace.unknownSamples, lost_events: trace.lost, ops: comparison.counts.groups, transitions, notes,
      ...comparisonJson(comparison),
    }) + '\n')
  } else {
    io.out(`imported ${file}: ${trace.lines} lines, ${kvmmmu} kvmmmu events, ${comparison.counts.groups} operations\n`)
    if (trace.unknown) {
      const s = trace.unknownSamples[0]!
      io.out(`  ${trace.unknown} unreadable line${trace.unknown === 1 ? '' : 's'} skipped (first: line ${s.line}, ${s.reason})\n`)
    }
    if (trace.lost) io.out(`  warning: the ring buffer lost ${trace.lost} events; the comparison is unreliable\n`)
    for (const n of notes) io.out(`  note: ${n}\n`)
    io.out(comparisonText(comparison))
    io.out(`wrote ${out}: ${transitions} transitions, kernel events in tables kernel_events / kernel_groups\n`)
  }
  return 0
}

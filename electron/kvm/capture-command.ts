/**
 * `rootlab capture --script FILE --out FILE`: runs the script's operations on the host's real KVM
 * (native/kvm-capture, built on first use), records the kernel's kvmmmu events through a private
 * tracefs instance, and writes a session with the model's transitions (free-obsolete) and the
 * kernel's events beside them, reporting every operation where they disagree.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { InputFileError, readScriptFile } from '../cli/input-file'
import { parse_script, ScriptError, type Script } from '../../sim/script'
import { captureScripts } from './capture'
import { CaptureRefusal, checkCapturable } from './capture-plan'
import { CAPTURE_N_MAX_MMU_PAGES, TraceMismatchError } from './compare-trace'
import { CaptureHostError, CaptureRunError, checkCaptureHost } from './native-helper'
import { checkOut, comparisonJson, comparisonText, fail, processOut, usageMessage, writeSession, type ExitCode, type Out } from './session-output'

export const CAPTURE_HELP = `Usage: rootlab capture --script FILE --out FILE [--trace FILE] [--force] [--json]

Runs a script's operations (cr3, pt_write, run, memslot) on this host's KVM — one VM, one vCPU
per script vCPU, each operation its own KVM_RUN — records the kernel's kvmmmu events, and writes
a session with the model's transitions (free-obsolete) and the kernel's events side by side.
Needs Linux, root, /dev/kvm with shadow paging (PVM, or kvm_intel ept=0 / kvm_amd npt=0),
tracefs, and cc for the first build of native/kvm-capture (see docs/real-kvm.md).
  --script FILE   the script (see cli-contract.md); fault and unprotect ops cannot be captured
  --out FILE      the session file to write
  --trace FILE    also keep the raw kernel trace
  --force         overwrite FILE if it exists
  --json          print the result as one JSON object on stdout
`

/** Runs `rootlab capture ARGV...`; resolves with the exit status. */
export async function runCapture(argv: string[], io: Out = processOut): Promise<ExitCode> {
  let values: Record<string, string | boolean | undefined>
  let positionals: string[]
  try {
    const r = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        script: { type: 'string' }, out: { type: 'string', short: 'o' }, trace: { type: 'string' },
        force: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    })
    values = r.values
    positionals = r.positionals
  } catch (e) {
    return fail(io, `capture: ${usageMessage(e as Error)} (see rootlab capture --help)`, 2)
  }
  if (values.help) {
    io.out(CAPTURE_HELP)
    return 0
  }
  if (positionals.length) return fail(io, `capture: unexpected argument "${positionals[0]}" (see rootlab capture --help)`, 2)
  const file = values.script as string | undefined
  const out = values.out as string | undefined
  if (!file) return fail(io, 'capture: --script FILE is required (see rootlab capture --help)', 2)
  if (!out) return fail(io, 'capture: --out FILE is required (see rootlab capture --help)', 2)

  let script: Script
  try {
    script = parse_script(readScriptFile(file))
    checkCapturable(script)
  } catch (e) {
    if (e instanceof ScriptError || e instanceof CaptureRefusal) return fail(io, `${file}: ${e.message}`)
    if (e instanceof InputFileError) return fail(io, e.message)
    throw e
  }
  const exists = checkOut(out, Boolean(values.force))
  if (exists) return fail(io, exists)

  const host = await checkCaptureHost()
  if (!host.ok) return fail(io, `cannot capture on this host: ${host.reason}`)
  let outcome
  try {
    outcome = await captureScripts(host.bin, [script], { alignment: host.alignment })
  } catch (e) {
    if (e instanceof CaptureHostError) return fail(io, `cannot capture on this host: ${e.message}`)
    if (e instanceof CaptureRunError || e instanceof TraceMismatchError || e instanceof CaptureRefusal) {
      return fail(io, `capture of ${file} failed: ${e.message}`)
    }
    throw e
  }
  if (values.trace) {
    try {
      writeFileSync(values.trace as string, outcome.trace)
    } catch (e) {
      return fail(io, `cannot write ${values.trace as string} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
    }
  }
  const r = outcome.results[0]!
  let transitions: number
  try {
    transitions = writeSession({
      out, force: Boolean(values.force), name: file, scenario: 'capture', vcpus: script.vcpus,
      n_max_mmu_pages: CAPTURE_N_MAX_MMU_PAGES, comparison: r.comparison,
      info: { source: 'capture', file, host: host.paging, unknownLines: outcome.parsed.unknown, lostEvents: outcome.parsed.lost },
    })
  } catch (e) {
    return fail(io, (e as Error).message)
  }
  if (values.json) {
    io.out(JSON.stringify({
      file: out, script: file, host: host.paging, ops: script.ops.length, transitions,
      unknown_lines: outcome.parsed.unknown, lost_events: outcome.parsed.lost, ...comparisonJson(r.comparison),
    }) + '\n')
  } else {
    io.out(`captured ${file} on ${host.paging}: ${script.ops.length} operations, ${r.comparison.counts.kernelEvents} kernel events\n`)
    if (outcome.parsed.lost) io.out(`  warning: the ring buffer lost ${outcome.parsed.lost} events; the comparison is unreliable\n`)
    io.out(comparisonText(r.comparison))
    io.out(`wrote ${out}: ${transitions} transitions, kernel events in tables kernel_events / kernel_groups\n`)
  }
  return 0
}

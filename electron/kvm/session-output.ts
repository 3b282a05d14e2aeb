/**
 * What `rootlab import` and `rootlab capture` share: writing the session (the model's run of the
 * op groups, recorded by the session layer) with the kernel's events beside it, and reporting
 * the comparison in one screen or one JSON object.
 */
import { existsSync } from 'node:fs'
import { errorLine } from '../cli/io'
import { recordSession } from '../session/index'
import type { Policy } from '../../sim/types'
import { describeGroup, type Comparison } from './comparator'
import { storeKernelEvents, type KernelTraceInfo } from './kernel-events-store'

/** A command's result: exit status; output is already written. */
export type ExitCode = 0 | 1 | 2

/** stdout/stderr writers, injectable for tests. */
export interface Out {
  out(text: string): void
  err(text: string): void
}

export const processOut: Out = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}

/** One-line error (cli-contract.md): "rootlab: ..." on stderr. */
export function fail(io: Out, message: string, code: 1 | 2 = 1): ExitCode {
  io.err(errorLine(message))
  return code
}

/** node:util parseArgs errors in the CLI's style: "unknown option --x", "option --out needs a value". */
export function usageMessage(e: Error): string {
  const msg = e.message
  const unknown = /Unknown option '([^']+)'/.exec(msg)
  if (unknown) return `unknown option ${unknown[1]}`
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(msg)
  if (missing) return `option ${missing[1]} needs a value`
  return msg.split('\n')[0]!.replace(/\.$/, '')
}

/** Refuses to overwrite without --force (checked before any long work). */
export function checkOut(out: string, force: boolean): string | null {
  return existsSync(out) && !force ? `${out} exists (use --force to overwrite it)` : null
}

export interface SessionWrite {
  out: string
  force: boolean
  /** Session name and scenario ('import' or 'capture'). */
  name: string
  scenario: 'import' | 'capture'
  vcpus: number
  n_max_mmu_pages: number
  comparison: Comparison
  info: KernelTraceInfo
  /** The model's policy (default free-obsolete; the comparison must have been made under it). */
  policy?: Policy
  /** Called while the session is recorded, with the fraction done (0..1). */
  onProgress?: (fraction: number) => void
}

/** Records the model's run as a session and adds the kernel's events; returns the transitions. */
export function writeSession(w: SessionWrite): number {
  const summary = recordSession({
    source: {
      type: 'ops', name: w.name, vcpus: w.vcpus, ops: w.comparison.model.ops, scenario: w.scenario,
      n_max_mmu_pages: w.n_max_mmu_pages,
      params: { vcpus: w.vcpus, n_max_mmu_pages: w.n_max_mmu_pages, source: w.info.file, alignment: w.comparison.primary.alignment },
    },
    policy: w.policy ?? 'free-obsolete', out: w.out, force: w.force,
    ...(w.onProgress ? { onProgress: (p: { fraction: number }) => w.onProgress!(p.fraction) } : {}),
  })
  storeKernelEvents(w.out, w.comparison, w.info)
  return summary.transitions
}

/** The comparison as the `--json` object. */
export function comparisonJson(c: Comparison): Record<string, unknown> {
  return {
    agree: c.agree,
    explained: c.explained,
    alignment: c.primary.alignment,
    host_difference: c.hostDifference,
    counts: c.counts,
    disagreements: c.disagreements.map((g) => ({ op_group: g.group, label: g.label, detail: describeGroup(g) })),
  }
}

/** Human-readable lines of the comparison. */
export function comparisonText(c: Comparison): string {
  const lines: string[] = []
  const groups = `${c.counts.groups} op${c.counts.groups === 1 ? '' : 's'}${c.teardown ? ' and the teardown' : ''}`
  const events = `${c.counts.kernelEvents} kernel events, ${c.counts.modelEvents} model events`
  if (c.agree) {
    lines.push(`kernel vs model (free-obsolete): all ${groups} agree (${events})`)
  } else {
    lines.push(`kernel vs model (free-obsolete): ${c.counts.agree} agree, ${c.counts.hostDifference} differ by documented host differences, ${c.counts.disagree} disagree (${events})`)
  }
  if (c.hostDifference) lines.push(`  host difference (${c.hostDifference.names.join(', ')}), first at group ${c.hostDifference.firstGroup}: ${c.hostDifference.cause}`)
  for (const g of c.disagreements.slice(0, 10)) lines.push(`  DISAGREE ${describeGroup(g)}`)
  if (c.disagreements.length > 10) lines.push(`  ... and ${c.disagreements.length - 10} more (see the kernel_groups table)`)
  return lines.join('\n') + '\n'
}

/**
 * The recorder: runs the model (sim create_machine) over a source of operations and writes the
 * session file. It is the only code that writes transitions.
 *
 * Write path, per operation: every transition is encoded into the current chunk (codec.ts),
 * counted in the chunk's summary, hashed into the digest, and, if it is a root zap, a finding or a
 * memslot update, queued for its index table. At the end of an operation the chunk is closed if it
 * holds chunkTarget transitions (or mid-operation at chunkMax), a checkpoint is taken every
 * checkpointInterval transitions, and the pending rows are committed in one transaction every
 * commitTransitions transitions or commitMs milliseconds.
 *
 * Crash safety: commits happen only at operation boundaries, so the committed file is always a
 * consistent prefix of the run (chunks, operations, checkpoints and index rows agree). The file
 * is in WAL mode with synchronous=NORMAL: a process killed at any moment (SIGKILL) loses at most
 * the uncommitted batch; the meta row `complete` stays 0 until the last commit. (Killed before
 * the writer has written the header, in the first milliseconds, the file is empty and opening
 * it says so: "is empty, not a Root Lab session".)
 *
 * Usable from a worker thread: a plain synchronous function with a progress callback.
 */
import { closeSync, openSync } from 'node:fs'
import { SIM_MODEL_VERSION } from '../../sim/index'
import {
  DEFAULT_N_MAX_MMU_PAGES, ParamError, scenario_ops, validate_scenario_params, type ScenarioName, type ScenarioProgress,
} from '../../sim/scenarios/index'
import { parse_op, parse_script, ScriptError } from '../../sim/script'
import { kvm_create } from '../../sim/state'
import { create_machine } from '../../sim/step'
import type { Transition } from '../../sim/transitions'
import { POLICIES, type Op } from '../../sim/types'
import { CheckpointTracker, encodeCheckpoint } from './checkpoint-codec'
import { ChunkEncoder, StringTable } from './codec'
import { SessionError } from './errors'
import { checkOutput, putInPlace, removeTemp, tempBeside } from './output-file'
import { APP_VERSION } from './meta'
import { MEMSLOT_ACTIONS, OP_CODES } from './op-blocks'
import type { SessionHeader, WriterMessage } from './session-writer'
import { inlineWriter, threadWriter, type WriterSink } from './writer-thread'
import { writerScript } from './writer-worker-start'
import type { RecorderTuning, RecordOptions, RecordProgress, RecordSummary } from './types'

/**
 * Measured defaults (docs/benchmarks.md, "Session database"). Checkpoints every 4,096
 * transitions since they are stored without deflate: at 2,048 they were ~15% of a 1M recording
 * (both threads), while `stateAt` p99 stayed at 2-3 ms for either interval (a seek replays at
 * most one interval, ~0.3 us a transition) and a debugger step's server time grew by ~0.4 ms.
 */
export const DEFAULT_TUNING: RecorderTuning = {
  chunkTarget: 2048,
  chunkMax: 16384,
  checkpointInterval: 4096,
  commitTransitions: 65536,
  commitMs: 200,
}

/** Longest time between two progress callbacks while recording. */
export const PROGRESS_INTERVAL_MS = 50

/** The source resolved into operations and the metadata stored with them. */
interface ResolvedSource {
  ops: Iterable<Op>
  vcpus: number
  nMax: number
  scenario: string
  seed: number | null
  params: Record<string, unknown>
  totalOps: number
  /** 0..1, or null to use ops / totalOps. */
  fraction: () => number | null
  kind: string
}

function resolveSource(o: RecordOptions): ResolvedSource {
  const s = o.source
  if (s.type === 'scenario') {
    let params
    try {
      params = validate_scenario_params(s.scenario, {
        vcpus: s.vcpus, steps: s.steps, seed: s.seed,
        ...(s.processes !== undefined ? { processes: s.processes } : {}),
        ...(s.n_max_mmu_pages !== undefined ? { n_max_mmu_pages: s.n_max_mmu_pages } : {}),
      })
    } catch (e) {
      if (e instanceof ParamError) throw new SessionError(e.message)
      throw e
    }
    const progress: ScenarioProgress = { step: 0 }
    return {
      ops: scenario_ops(s.scenario as ScenarioName, params, progress),
      vcpus: params.vcpus, nMax: params.n_max_mmu_pages, scenario: s.scenario, seed: params.seed,
      params: { ...params }, totalOps: 0, fraction: () => progress.step / params.steps, kind: 'scenario',
    }
  }
  if (s.type === 'script') {
    let script
    try {
      script = parse_script(s.text)
    } catch (e) {
      if (e instanceof ScriptError) throw new SessionError(`${s.name}: ${e.message}`)
      throw e
    }
    return {
      ops: script.ops, vcpus: script.vcpus, nMax: DEFAULT_N_MAX_MMU_PAGES, scenario: s.name, seed: null,
      params: { vcpus: script.vcpus, n_max_mmu_pages: DEFAULT_N_MAX_MMU_PAGES }, totalOps: script.ops.length,
      fraction: () => null, kind: 'script',
    }
  }
  if (s.type === 'ops') {
    if (!Number.isInteger(s.vcpus) || s.vcpus < 1 || s.vcpus > 64) {
      throw new SessionError(`vcpus must be an integer from 1 to 64, got ${s.vcpus}`)
    }
    const nMax = s.n_max_mmu_pages ?? (typeof s.params?.n_max_mmu_pages === 'number' ? s.params.n_max_mmu_pages : DEFAULT_N_MAX_MMU_PAGES)
    // Validate lazily (a generator may be long), with the op's index in the message.
    const src = s.ops
    const vcpus = s.vcpus
    const ops = (function* () {
      let i = 0
      for (const op of src) {
        try {
          yield parse_op(op, i++, vcpus)
        } catch (e) {
          if (e instanceof ScriptError) throw new SessionError(`${s.name}: ${e.message}`)
          throw e
        }
      }
    })()
    const total = s.total_ops ?? (Array.isArray(src) ? src.length : 0)
    return {
      ops, vcpus, nMax, scenario: s.scenario ?? s.name, seed: s.seed ?? null,
      params: { ...(s.params ?? {}), vcpus, n_max_mmu_pages: nMax }, totalOps: total, fraction: () => null,
      kind: 'ops',
    }
  }
  throw new SessionError(`unknown source type ${JSON.stringify((s as { type?: unknown }).type)} (allowed: scenario, script, ops)`)
}

const OP_CODE: Record<Op['op'], number> = Object.fromEntries(OP_CODES.map((c, i) => [c, i])) as Record<Op['op'], number>

/**
 * Records a session. Throws SessionError (one line) on bad input or an existing file.
 *
 * A new file is written in place, so a recording that is killed or fails (a full disk) leaves
 * an incomplete session holding every committed transition. With `force` an existing regular
 * file is replaced through a temporary file beside it (output-file.ts), renamed over it only
 * when the recording completed: a failed or cancelled replace leaves the old file intact
 * (the summary then says `written: false`).
 */
export function recordSession(o: RecordOptions): RecordSummary {
  const started = Date.now()
  if (!(POLICIES as readonly string[]).includes(o.policy)) {
    throw new SessionError(`unknown policy "${o.policy}" (allowed: ${POLICIES.join(', ')})`)
  }
  const tuning: RecorderTuning = { ...DEFAULT_TUNING, ...o.tuning }
  const src = resolveSource(o)
  // A script is validated whole before anything is written; ops sources op by op.
  const mode = checkOutput(o.out, { replace: o.force ?? false, sqlite: true })
  const file = mode === 'replace' ? tempBeside(o.out) : o.out
  const discard = () => {
    if (mode === 'replace') removeTemp(file)
  }

  // Created empty here, so that a path that cannot be written is refused now; the writer writes
  // the header into it (session-writer.ts) while this thread starts the model.
  try {
    closeSync(openSync(file, 'wx'))
  } catch (e) {
    discard()
    throw new SessionError(`${o.out} cannot be created (${(e as Error).message.replaceAll(file, o.out)})`)
  }
  let summary: RecordSummary
  let sink: WriterSink | null = null
  try {
    summary = record(file, o, src, tuning, started, (s) => (sink = s))
  } catch (e) {
    ;(sink as WriterSink | null)?.abort()
    discard()
    if (e instanceof SessionError) throw e
    const code = (e as { code?: string }).code
    if (code === 'SQLITE_FULL' || code?.startsWith('SQLITE_IOERR')) {
      throw new SessionError(`${o.out}: cannot write (${(e as Error).message.replaceAll(file, o.out)})` +
        (mode === 'new' ? '; the file holds every transition committed before, as an incomplete session' : '; the old file is unchanged'))
    }
    throw e
  }
  if (mode === 'replace') {
    if (summary.cancelled) {
      discard()
      return { ...summary, written: false }
    }
    putInPlace(file, o.out, 'replace')
  }
  return { ...summary, written: true }
}

function record(file: string, o: RecordOptions, src: ResolvedSource, tuning: RecorderTuning, started: number,
  setSink: (s: WriterSink) => void): RecordSummary {
  const state = kvm_create({ vcpus: src.vcpus, n_max_mmu_pages: src.nMax })
  const ckpts = new CheckpointTracker()
  const header: SessionHeader = {
    meta: {
      app_version: APP_VERSION, model_version: SIM_MODEL_VERSION, policy: o.policy, scenario: src.scenario,
      seed: src.seed, vcpus: src.vcpus, n_max_mmu_pages: src.nMax, params: JSON.stringify(src.params),
      source: src.kind, complete: 0, cancelled: 0, started: new Date(started).toISOString(), finished: null,
      digest: null,
    },
    initial: encodeCheckpoint(state),
  }

  // The writer owns the file: it writes the header, then what this thread sends; this thread
  // runs the model and encodes.
  const script = writerScript()
  const threaded = tuning.writerThread ?? (script !== null && !script.options.eval)
  const sink = threaded ? threadWriter(file, o.nativeBinding, { header }) : inlineWriter(file, o.nativeBinding, header)
  setSink(sink)

  const strings = new StringTable()
  const enc = new ChunkEncoder(strings)
  // Operations since the last commit, 4 numbers each (session-writer.ts `ops`).
  let opRows = new Float64Array(4 * 1024)
  let opCount = 0
  let opFirst = 0

  const sealChunk = (): void => {
    if (enc.count === 0) return
    const fresh = strings.takeNew()
    if (fresh.length) sink.send({ t: 'strings', list: fresh })
    const m: Extract<WriterMessage, { t: 'chunk' }> = { t: 'chunk', firstSeq: enc.firstSeq, n: enc.count, firstOp: enc.firstOp, lastOp: enc.lastOp, data: new Uint8Array(0) }
    m.data = enc.take()
    sink.send(m, [m.data.buffer as ArrayBuffer])
  }

  const machine = create_machine(state, o.policy, (t: Transition) => {
    ckpts.touch(state, t)
    enc.add(t)
    if (enc.count >= tuning.chunkMax) sealChunk()
  })

  const pushOp = (op: Op, lastSeq: number): void => {
    if ((opCount + 1) * 4 > opRows.length) {
      const bigger = new Float64Array(opRows.length * 2)
      bigger.set(opRows)
      opRows = bigger
    }
    const i = opCount * 4
    opRows[i] = OP_CODE[op.op]
    opRows[i + 1] = 'vcpu' in op ? op.vcpu : -1
    opRows[i + 2] = op.op === 'cr3' ? op.pgd : op.op === 'fault' ? op.gva : op.op === 'pt_write' || op.op === 'unprotect' ? op.gfn
      : op.op === 'memslot' ? MEMSLOT_ACTIONS.indexOf(op.action) : 0
    opRows[i + 3] = lastSeq
    opCount++
  }
  const commit = (): void => {
    sealChunk()
    if (opCount) {
      const rows = opRows.slice(0, opCount * 4)
      sink.send({ t: 'ops', first: opFirst, rows }, [rows.buffer])
      opFirst += opCount
      opCount = 0
    }
    sink.send({ t: 'commit' })
  }

  let ops = 0
  let lastCkpt = 0
  let lastCommitSeq = 0
  let lastCommitAt = Date.now()
  let lastProgressAt = 0
  let cancelled = false
  const isCancelled = (): boolean =>
    (o.signal?.aborted ?? false) || (o.cancelFlag !== undefined && Atomics.load(o.cancelFlag, 0) !== 0)
  const progress = (final: boolean): void => {
    if (!o.onProgress) return
    const f = src.fraction()
    const fraction = final ? 1 : f ?? (src.totalOps > 0 ? ops / src.totalOps : 0)
    const p: RecordProgress = { ops, total_ops: src.totalOps, transitions: machine.ctx.seq, fraction: Math.min(1, fraction) }
    o.onProgress(p)
  }
  const checkpoint = (seq: number): void => {
    // A checkpoint also closes the chunk, so a replay from it never decodes transitions that
    // come before it.
    sealChunk()
    const delta = ckpts.delta(state)
    sink.send({ t: 'checkpoint', seq, op: ops - 1, delta }, [delta.head.buffer, delta.pages.buffer, delta.tail.buffer] as ArrayBuffer[])
    lastCkpt = seq
  }

  for (const op of src.ops) {
    if ((ops & 63) === 0 && isCancelled()) {
      cancelled = true
      break
    }
    machine.run_op(op)
    const seq = machine.ctx.seq
    pushOp(op, seq)
    ops++
    if (enc.count >= tuning.chunkTarget) sealChunk()
    if (seq - lastCkpt >= tuning.checkpointInterval) checkpoint(seq)
    if ((ops & 255) === 0 || seq - lastCommitSeq >= tuning.commitTransitions) {
      const now = Date.now()
      if (seq - lastCommitSeq >= tuning.commitTransitions || now - lastCommitAt >= tuning.commitMs) {
        // Commit only whole operations: everything pending ends here.
        commit()
        lastCommitSeq = seq
        lastCommitAt = now
      }
      if (now - lastProgressAt >= PROGRESS_INTERVAL_MS) {
        lastProgressAt = now
        sink.check()
        progress(false)
        if (isCancelled()) {
          cancelled = true
          break
        }
      }
    }
  }

  const seq = machine.ctx.seq
  sealChunk()
  if (seq > lastCkpt) checkpoint(seq)
  commit()
  const findings = state.counters.findings
  const { findings: _f, ...counters } = state.counters
  const finalSummary = { stats: { ...state.stat }, counters, findings }
  const digest = sink.finish({
    t: 'finish', cancelled,
    meta: { complete: cancelled ? 0 : 1, cancelled: cancelled ? 1 : 0, finished: new Date().toISOString(), summary: JSON.stringify(finalSummary) },
  })
  progress(true)
  return {
    file: o.out, transitions: seq, policy: o.policy, seed: src.seed, digest: cancelled ? null : digest,
    stats: finalSummary.stats, counters, findings, operations: ops, scenario: src.scenario, vcpus: src.vcpus,
    complete: !cancelled, cancelled, ms: Date.now() - started,
  }
}

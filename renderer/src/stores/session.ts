/**
 * useSessionStore: the open session (its SessionInfo), the sessions open in the Node process,
 * recent files, recordings in progress, and the last error a user must read.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { LabArgs, LabEvents, SessionInfo } from '../../../electron/api/contract'
import type { Policy } from '../../../electron/api/contract'
import { eventsReady, lab } from '../api/lab'
import { takePrefetchedOpening } from '../lib/prefetch'

/** A recording started from this window, with its latest progress. */
export interface RecordingProgress {
  recording: string
  out: string
  policy: Policy
  fraction: number
  /** Operations done, and the total when known in advance (a script; 0 for a scenario). */
  ops: number
  total_ops: number
  transitions: number
}

/** What to record: a scenario, a script (as text), or an open session's operations re-run. */
export type RecordSource = LabArgs<'startRecording'>['source']

/** How a recording ended. `session` is open in the Node process (incomplete when cancelled). */
export interface RecordOutcome {
  session: SessionInfo | null
  cancelled: boolean
  /** The server's one-line error (refused arguments, a script error, a failed recording). */
  error: string | null
}

export const useSessionStore = defineStore('session', () => {
  const info = ref<SessionInfo | null>(null)
  const open = ref<SessionInfo[]>([])
  const recent = ref<string[]>([])
  /** A readable error (opening a file, an export, a recording...), shown in a banner. */
  const error = ref<string | null>(null)
  /** A readable note that is not an error (an export written, a recording cancelled), shown in a status line. */
  const notice = ref<string | null>(null)
  const opening = ref(false)
  const recordings = ref<RecordingProgress[]>([])

  const id = computed(() => info.value?.session ?? null)
  const lastSeq = computed(() => info.value?.transitions ?? 0)

  function fail(message: string): null {
    error.value = message
    return null
  }

  /**
   * The seq the next session opened with openFile(path, seq) shows first (a fuzz reproducer's
   * bookmark); the app's session watcher takes it once (takeStartSeq).
   */
  const startSeq = ref<number | null>(null)

  function takeStartSeq(): number | null {
    const seq = startSeq.value
    startSeq.value = null
    return seq
  }

  async function openFile(path: string, seq?: number): Promise<SessionInfo | null> {
    opening.value = true
    try {
      const r = await (takePrefetchedOpening(path) ?? lab().openSession({ path }))
      if (!r.ok) return fail(r.error)
      startSeq.value = seq ?? null
      info.value = r.value
      error.value = null
      return r.value
    } finally {
      opening.value = false
    }
  }

  async function openDefault(): Promise<SessionInfo | null> {
    opening.value = true
    try {
      const r = await lab().openDefaultSession({})
      if (!r.ok) return fail(r.error)
      info.value = r.value
      error.value = null
      return r.value
    } finally {
      opening.value = false
    }
  }

  /** Shows an already open session (e.g. one side of a comparison). */
  function show(s: SessionInfo): void {
    info.value = s
  }

  async function refresh(): Promise<void> {
    if (!info.value) return
    const r = await lab().sessionInfo({ session: info.value.session })
    if (r.ok) info.value = r.value
  }

  async function list(): Promise<void> {
    const r = await lab().listSessions({})
    if (!r.ok) return void fail(r.error)
    open.value = r.value.open
    recent.value = r.value.recent
  }

  /** Writes a copy of the open session (bookmarks included) or a Perfetto trace to `out`. */
  async function exportTo(format: 'db' | 'perfetto', out: string): Promise<{ out: string; bytes: number } | null> {
    if (!info.value) return null
    const r = await lab().exportSession({ session: info.value.session, format, out })
    if (!r.ok) return fail(r.error)
    error.value = null
    return r.value
  }

  /** Closes the open session (the Node process releases the file); the view shows no session. */
  async function close(): Promise<void> {
    const s = info.value
    if (!s) return
    const r = await lab().closeSession({ session: s.session })
    if (!r.ok) return void fail(r.error)
    if (info.value?.session === s.session) info.value = null
    open.value = open.value.filter((x) => x.session !== s.session)
  }

  /**
   * Records a new session (scenario, script or re-run) into `out` (the server picks a name when
   * omitted). Progress is kept in `recordings` while it runs; `onStarted` gets the recording id
   * (for cancelRecording). Resolves once recordingFinished arrives; never sets `error` itself.
   */
  async function record(
    source: RecordSource, policy: Policy, out?: string, onStarted?: (recording: string) => void,
  ): Promise<RecordOutcome> {
    const client = lab()
    let started: { recording: string; out: string } | null = null
    const early: LabEvents['recordingFinished'][] = []
    let settle: ((e: LabEvents['recordingFinished']) => void) | null = null
    const offFinished = client.on('recordingFinished', (e) => {
      if (started && e.recording === started.recording) settle?.(e)
      else early.push(e)
    })
    const offProgress = client.on('recordingProgress', (e) => {
      const rec = recordings.value.find((x) => x.recording === e.recording)
      if (rec) {
        rec.fraction = e.fraction
        rec.ops = e.ops
        rec.total_ops = e.total_ops
        rec.transitions = e.transitions
      }
    })
    try {
      // Over HTTP the event stream opens now: a recording refused at once (a script error) would
      // otherwise finish before its recordingFinished could reach us.
      await eventsReady()
      const r = await client.startRecording(out ? { source, policy, out } : { source, policy })
      if (!r.ok) return { session: null, cancelled: false, error: r.error }
      started = r.value
      recordings.value.push({ recording: started.recording, out: started.out, policy, fraction: 0, ops: 0, total_ops: 0, transitions: 0 })
      onStarted?.(started.recording)
      const rec = started.recording
      const done = early.find((e) => e.recording === rec) ??
        await new Promise<LabEvents['recordingFinished']>((resolve) => { settle = resolve })
      if (done.ok && done.session) return { session: done.session, cancelled: false, error: null }
      return {
        session: done.cancelled ? done.session : null,
        cancelled: done.cancelled,
        error: done.error ?? (done.cancelled ? 'recording cancelled' : 'recording failed'),
      }
    } finally {
      offFinished()
      offProgress()
      if (started) recordings.value = recordings.value.filter((x) => x.recording !== started!.recording)
    }
  }

  /**
   * Re-runs the open session's operations under `policy`. Resolves with the new session once
   * recording finished (null if it failed or was cancelled; the error is set).
   */
  async function rerunUnder(policy: Policy): Promise<SessionInfo | null> {
    if (!info.value) return null
    const r = await record({ type: 'session', session: info.value.session }, policy)
    if (!r.session || r.cancelled) return fail(r.error ?? 'recording failed')
    return r.session
  }

  async function cancelRecording(recording: string): Promise<void> {
    const r = await lab().cancelRecording({ recording })
    if (!r.ok) fail(r.error)
  }

  function clearError(): void {
    error.value = null
  }

  function say(message: string | null): void {
    notice.value = message
  }

  return {
    info, open, recent, error, notice, opening, recordings, id, lastSeq,
    openFile, takeStartSeq, openDefault, show, refresh, list, exportTo, close, record, rerunUnder, cancelRecording, clearError, say,
  }
})

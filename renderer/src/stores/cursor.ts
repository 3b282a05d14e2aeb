/**
 * useCursorStore: where in the session the user is (seq), and the state there.
 *
 * State is fetched asynchronously. Every fetch carries a token; an answer older than the one
 * already shown is dropped, so a slow answer can never overwrite a newer moment. While scrubbing,
 * requests are coalesced: at most one is in flight and, when it returns, only the latest wanted
 * seq is asked for next (only stateAt: the step's transition and diff are fetched when the
 * scrub ends).
 *
 * Jumps (goTo: a link, a finding, a zap, find, go-to, continue; the end of a scrub that moved)
 * are kept on a back/forward stack, as a browser keeps pages: back() returns to where the jump
 * left from (and to where the user had stepped on from there), forward() redoes it. Steps,
 * scrubbing and playing move the cursor without a jump. In a browser the stack is mirrored in
 * the page's history (lib/url-state.ts: pushState per jump), so Back / Forward walk it too.
 *
 * The state lists only the root pages (stateAt `pages: 'roots'`: what the vCPU cards show), a
 * fraction of the whole list, unless a view that shows every shadow page is open (needAllPages:
 * the Shadow pages tab); opening one re-fetches the shown moment with every page.
 *
 * Steps are answered ahead: once a step's moment is shown, the next two in the same direction
 * are asked for (lib/moment-cache.ts keeps the answers, and the moments just shown), so the next
 * step only renders: the request is made while the user looks at the current moment.
 */
import { defineStore } from 'pinia'
import { computed, nextTick, ref, shallowRef } from 'vue'
import type { LabResult, StateAtResult, StateDiffEntry, StateView, TransitionRow } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { changedPaths } from '../lib/changed-paths'
import { MomentCache } from '../lib/moment-cache'
import { takePrefetchedMoment } from '../lib/prefetch'
import { shareUnchanged } from '../lib/stable-state'
import { diffStates } from '../lib/state-diff'
import { useSessionStore } from './session'

/** What a jump looks for (the targets of findTransition). */
export type JumpTarget = 'root_zap' | 'finding' | 'memslot' | 'bookmark'

const TARGET_TEXT: Record<JumpTarget, string> = {
  root_zap: 'root zap', finding: 'finding', memslot: 'memslot change', bookmark: 'bookmark',
}

/**
 * Mirrors the jump stack elsewhere (the browser's history): `push` is told of each jump (the
 * entry left holds `from`, the new entry `index` holds `to`); back / forward are then asked of
 * it, and it answers by calling restore() (popstate).
 */
export interface JumpMirror {
  push(index: number, from: number, to: number): void
  back(): void
  forward(): void
}

/** How many answers of stateAt the cursor keeps (the next steps', the moments just shown). */
const MOMENTS_KEPT = 8
/**
 * How many steps ahead the moments are asked for: two, so that steps in quick succession (a key
 * held down, a fast repeat rate) find their moment answered, not just asked for, when the
 * request takes longer than showing a step.
 */
const STEPS_AHEAD = 2

/** Play speeds, in transitions per second. */
export const PLAY_SPEEDS = [1, 4, 16, 64, 256, 1024] as const

export const useCursorStore = defineStore('cursor', () => {
  const session = useSessionStore()

  /** The seq the user asked for (what the transport shows immediately). */
  const seq = ref(0)
  /** The state shown, and the seq it belongs to (lags `seq` while an answer is on its way). */
  const state = shallowRef<StateView | null>(null)
  /** The transition at the shown seq (null at seq 0). */
  const current = shallowRef<TransitionRow | null>(null)
  /** diff(seq - 1, seq): what the current transition changed. */
  const diff = shallowRef<StateDiffEntry[]>([])
  const changed = computed(() => changedPaths(diff.value))
  const error = ref<string | null>(null)
  /** A short message for the status line ("no next root zap"). */
  const notice = ref<string | null>(null)
  const scrubbing = ref(false)
  const playing = ref(false)
  const speed = ref<number>(16)

  const last = computed(() => session.lastSeq)
  const shownSeq = computed(() => state.value?.seq ?? 0)
  const loading = computed(() => state.value === null || shownSeq.value !== seq.value)
  /**
   * The seq every panel draws as "now": the one shown (state, transition and diff arrive
   * together), so each frame shows one moment and a step is one frame (the timeline's cursor
   * moves with the cards, not a frame before them); while scrubbing, the one asked for, so the
   * cursor follows the pointer.
   */
  const frameSeq = computed(() => (scrubbing.value ? seq.value : shownSeq.value))

  let issued = 0
  let applied = 0
  let scrubInFlight = false
  let scrubWanted: number | null = null
  let playTimer: ReturnType<typeof setInterval> | null = null
  /** Open views that show every shadow page (needAllPages). */
  const pageViewers = ref(0)
  /** Which shadow pages stateAt is asked for. */
  const pageScope = computed<'all' | 'roots'>(() => (pageViewers.value > 0 ? 'all' : 'roots'))
  /** The state a refreshPages is fetching every page of. */
  let refreshing: StateView | null = null
  /** Answers of stateAt with their transition, by moment: asked for ahead of a step, or shown. */
  const moments = new MomentCache<LabResult<StateAtResult>>(MOMENTS_KEPT)
  /** The direction of the last step (+1, -1), 0 after any other move: where to ask ahead. */
  let stepDirection = 0

  function clamp(s: number): number {
    if (!Number.isFinite(s)) return seq.value
    return Math.max(0, Math.min(last.value, Math.round(s)))
  }

  /**
   * Fetches the moment `s`; applies it unless a newer answer was applied meanwhile. The state is
   * shown as soon as it arrives; with `detail`, the transition at `s` and what it changed follow
   * (the change set is computed here when the state before `s` is known: the one shown, a step
   * forward, or a kept answer, a step back; else it is asked for).
   */
  async function fetchMoment(s: number, detail: boolean): Promise<void> {
    const sid = session.id
    if (!sid) return
    const token = ++issued
    const client = lab()
    // while playing, the transition comes with every state, so that the inspector shows the
    // same moment as the cards in every frame (even when playing fast enough to skip diffs)
    const withRow = detail || playing.value
    const prev = state.value
    const scope = pageScope.value
    const before = !detail || s === 0 ? null : prev !== null && prev.seq === s - 1 ? Promise.resolve(prev) : keptState(sid, scope, s - 1)
    let diffP = detail && s > 0 && !before ? client.diff({ session: sid, a: s - 1, b: s }) : null
    // the transition comes in the same answer as the state: a step is one request (or none,
    // when it was asked for ahead)
    let answer = moments.get(sid, scope, s)
    if (!answer) {
      // the page's first moment, asked for at boot (root pages, with its transition)
      const boot = scope === 'roots' ? takePrefetchedMoment(sid, s) : null
      answer = boot ?? client.stateAt({ session: sid, seq: s, pages: scope, ...(withRow ? { transition: true } : {}) })
      if (boot || withRow) moments.set(sid, scope, s, answer)
    }
    const st = await answer
    if (!st.ok) moments.delete(sid, scope, s)
    if (session.id !== sid || token <= applied) return
    if (!st.ok) {
      error.value = st.error
      return
    }
    const base = before ? await before : null
    const local = base ? diffStates(base, st.value) : null
    // the two page lists could not be compared: ask the Node side, which has every page
    if (before && !local) diffP = client.diff({ session: sid, a: s - 1, b: s })
    // The state, its transition and what it changed are shown together (one render).
    const df = diffP ? await diffP : null
    if (session.id !== sid || token <= applied) return
    applied = token
    error.value = null
    // what did not change keeps its objects: the cards of unchanged vCPUs do not re-render
    state.value = shareUnchanged(state.value, st.value)
    if (pageScope.value === 'all' && st.value.shadow_pages_scope) void refreshPages()
    if (s === 0) current.value = null
    else if (withRow) current.value = st.value.transition ?? null
    if (detail && stepDirection !== 0) {
      // After the render of this moment (asking costs the page ~1 ms it should not wait for).
      // Backwards, one more: what a moment changed is computed from the state before it.
      const dir = stepDirection
      void nextTick(() => {
        for (let k = 1; k <= STEPS_AHEAD + (dir < 0 ? 1 : 0); k++) askAhead(sid, scope, s + k * dir)
      })
    }
    if (!detail && s !== 0) return
    diff.value = local ?? (df?.ok ? df.value : [])
  }

  /** The state of a kept answer (null: not kept, or an error). */
  function keptState(sid: string, scope: 'all' | 'roots', s: number): Promise<StateView | null> | null {
    const kept = moments.get(sid, scope, s)
    return kept ? kept.then((r) => (r.ok ? r.value : null)) : null
  }

  /** Asks for the moment the next step in the same direction will show, unless it is known. */
  function askAhead(sid: string, scope: 'all' | 'roots', s: number): void {
    if (session.id !== sid || scope !== pageScope.value || s < 0 || s > last.value || moments.has(sid, scope, s)) return
    moments.set(sid, scope, s, lab().stateAt({ session: sid, seq: s, pages: scope, transition: true }))
  }

  /** Re-fetches the shown moment with every shadow page, if it lists only some. */
  async function refreshPages(): Promise<void> {
    const sid = session.id
    const shown = state.value
    if (!sid || !shown || !shown.shadow_pages_scope || refreshing === shown) return
    refreshing = shown
    try {
      const r = await lab().stateAt({ session: sid, seq: shown.seq, pages: 'all' })
      // only over the same answer: a newer moment shown meanwhile asked for what it needs
      if (session.id === sid && state.value === shown && r.ok) state.value = r.value
    } finally {
      if (refreshing === shown) refreshing = null
    }
  }

  /**
   * A view that shows every shadow page opens: from now on, until the returned function is
   * called, stateAt lists every page, and the moment shown is re-fetched so.
   */
  function needAllPages(): () => void {
    pageViewers.value++
    void refreshPages()
    let released = false
    return () => {
      if (released) return
      released = true
      pageViewers.value--
    }
  }

  async function pumpScrub(): Promise<void> {
    if (scrubInFlight || scrubWanted === null) return
    const s = scrubWanted
    scrubWanted = null
    scrubInFlight = true
    try {
      await fetchMoment(s, false)
    } finally {
      scrubInFlight = false
    }
    if (scrubWanted !== null) void pumpScrub()
    else if (!scrubbing.value) void fetchMoment(seq.value, true)
  }

  /** Moves the cursor to `s` (clamped to the session) without a jump (a step, a scrub, play). */
  function moveTo(s: number, direction = 0): Promise<void> {
    stepDirection = direction
    seq.value = clamp(s)
    notice.value = null
    if (scrubbing.value || (playing.value && speed.value > 16)) {
      scrubWanted = seq.value
      return pumpScrub()
    }
    return fetchMoment(seq.value, true)
  }

  // ---- the jump stack: entries[i] is the seq of entry i; the cursor is at entry `jumpIndex`
  const jumps = ref<number[]>([])
  const jumpIndex = ref(0)
  let mirror: JumpMirror | null = null
  const canBack = computed(() => jumpIndex.value > 0)
  const canForward = computed(() => jumpIndex.value < jumps.value.length - 1)

  /** Records a jump from the cursor to `to` (a new entry after the current one; later ones dropped). */
  function pushJump(to: number): void {
    const from = seq.value
    const list = jumps.value.slice(0, jumpIndex.value + 1)
    list[jumpIndex.value] = from
    list.push(to)
    jumps.value = list
    jumpIndex.value = list.length - 1
    mirror?.push(jumpIndex.value, from, to)
  }

  /**
   * Moves the cursor to `s` (clamped) as a jump: a link, a finding, go-to, continue... It goes on
   * the back/forward stack unless it moves nowhere, or happens while scrubbing or playing, or is
   * the first moment shown of a session.
   */
  function goTo(s: number): Promise<void> {
    const to = clamp(s)
    if (to !== seq.value && state.value !== null && !scrubbing.value && !playing.value) pushJump(to)
    return moveTo(to)
  }

  /** Goes to jump entry `i` (back / forward), at `at` if given (the browser's URL for it). */
  function restore(i: number, at?: number): Promise<void> {
    const list = [...jumps.value]
    list[jumpIndex.value] = seq.value
    if (at !== undefined) list[i] = at
    jumps.value = list
    jumpIndex.value = i
    return moveTo(list[i] ?? seq.value)
  }

  /** Back to where the last jump left from (Alt+Left, the browser's Back). */
  function back(): void {
    if (!canBack.value) return
    if (mirror) mirror.back()
    else void restore(jumpIndex.value - 1)
  }

  /** Forward again (Alt+Right, the browser's Forward). */
  function forward(): void {
    if (!canForward.value) return
    if (mirror) mirror.forward()
    else void restore(jumpIndex.value + 1)
  }

  /** Mirrors the jump stack in the browser's history (null: none, the desktop app). */
  function setJumpMirror(m: JumpMirror | null): void {
    mirror = m
  }

  /** Starts the stack afresh at entry `index` (a new session, or the page's history entry after a reload). */
  function resetJumps(index = 0): void {
    const list: number[] = []
    list[index] = seq.value
    jumps.value = list
    jumpIndex.value = index
  }

  let scrubFrom: number | null = null

  function beginScrub(): void {
    scrubbing.value = true
    scrubFrom = seq.value
  }

  /** Ends a scrub: the moment under the cursor gets its transition and diff; a scrub that moved is a jump. */
  function endScrub(): Promise<void> {
    scrubbing.value = false
    if (scrubFrom !== null && scrubFrom !== seq.value && state.value !== null) {
      const to = seq.value
      seq.value = scrubFrom
      pushJump(to)
      seq.value = to
    }
    scrubFrom = null
    if (scrubInFlight) return Promise.resolve() // pumpScrub fetches the details when it lands
    return fetchMoment(seq.value, true)
  }

  const stepForward = (): Promise<void> => moveTo(seq.value + 1, 1)
  const stepBack = (): Promise<void> => moveTo(seq.value - 1, -1)
  const goToStart = (): Promise<void> => goTo(0)
  const goToEnd = (): Promise<void> => goTo(last.value)

  /** Jumps to the next/previous transition of `target`; says so when there is none. */
  async function jump(target: JumpTarget | { kind: string }, direction: 'next' | 'prev'): Promise<boolean> {
    const sid = session.id
    if (!sid) return false
    const r = await lab().findTransition({ session: sid, from: seq.value, direction, target })
    if (!r.ok) {
      error.value = r.error
      return false
    }
    if (!r.value) {
      const what = typeof target === 'string' ? TARGET_TEXT[target] : target.kind
      notice.value = `no ${direction === 'next' ? 'next' : 'previous'} ${what}`
      return false
    }
    await goTo(r.value.seq)
    return true
  }

  function tick(): void {
    const perTick = Math.max(1, Math.round(speed.value / 30))
    if (seq.value >= last.value) return pause()
    void moveTo(seq.value + perTick)
  }

  function play(): void {
    if (playing.value) return
    if (seq.value >= last.value) void goTo(0)
    playing.value = true
    playTimer = setInterval(tick, Math.max(33, 1000 / speed.value))
  }

  function pause(): void {
    playing.value = false
    if (playTimer) clearInterval(playTimer)
    playTimer = null
    void fetchMoment(seq.value, true)
  }

  function togglePlay(): void {
    if (playing.value) pause()
    else play()
  }

  function setSpeed(s: number): void {
    speed.value = s
    if (playing.value) {
      if (playTimer) clearInterval(playTimer)
      playTimer = setInterval(tick, Math.max(33, 1000 / speed.value))
    }
  }

  /** Forgets the shown state (a new session was opened). */
  function reset(): void {
    if (playing.value) pause()
    issued++
    applied = issued
    moments.clear()
    stepDirection = 0
    seq.value = 0
    state.value = null
    current.value = null
    diff.value = []
    error.value = null
    notice.value = null
    jumps.value = [0]
    jumpIndex.value = 0
  }

  return {
    seq, state, current, diff, changed, error, notice, scrubbing, playing, speed, last, shownSeq, loading, pageScope, frameSeq,
    goTo, needAllPages, beginScrub, endScrub, stepForward, stepBack, goToStart, goToEnd, jump,
    play, pause, togglePlay, setSpeed, reset,
    moveTo, jumps, jumpIndex, canBack, canForward, back, forward, restore, setJumpMirror, resetJumps,
  }
})

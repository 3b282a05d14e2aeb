/**
 * The address bar as the moment shown, in a browser (`rootlab serve`; the desktop app has no
 * address bar and keeps its jump stack in the cursor store alone):
 *
 *   - a step, a scrub or play replaces the current history entry's `?seq=` (throttled);
 *   - a jump (cursor.goTo) pushes a new entry, so the browser's Back / Forward and Alt+Left /
 *     Alt+Right walk the same stack (each entry's history.state is { rootlabJump: index });
 *   - a seq in the address that is not one (`abc`, `-5`, `1.5`, past the end) gets a notice, and
 *     the address is corrected to the moment shown instead.
 */
import { onBeforeUnmount, watch } from 'vue'
import { labPlatform } from '../api/lab'
import { useCursorStore } from '../stores/cursor'
import { useSessionStore } from '../stores/session'
import { checkSeqText, momentQuery, momentSeqText, parseMoment, throttle, type Moment } from './url-state'

/** history.state of the entries this page writes. */
interface EntryState {
  rootlabJump: number
}

const jumpOf = (state: unknown): number | null => {
  const j = (state as Partial<EntryState> | null)?.rootlabJump
  return typeof j === 'number' && Number.isInteger(j) && j >= 0 ? j : null
}

export interface MomentUrl {
  /** The file the address names (null: the default session). */
  file: string | null
  /**
   * The seq to show first, once the session (of `last` transitions) is open: the address's, or,
   * if that is not a seq of the session, 0 or the end — with a notice saying why; null when the
   * address names no seq.
   */
  initialSeq(last: number): number | null
}

export function useMomentUrl(): MomentUrl {
  const session = useSessionStore()
  const cursor = useCursorStore()
  const web = labPlatform() !== 'electron'
  const start: Moment = web ? parseMoment(window.location.search) : { file: null, seq: null }
  let seqText = web ? momentSeqText(window.location.search) : null

  if (!web) return { file: null, initialSeq: () => null }

  const url = (seq: number): string =>
    `${window.location.pathname}${momentQuery({ file: session.info?.path ?? null, seq }, window.location.search)}${window.location.hash}`
  const write = (how: 'replace' | 'push', seq: number, index: number): void => {
    const state: EntryState = { rootlabJump: index }
    if (how === 'push') window.history.pushState(state, '', url(seq))
    else window.history.replaceState(state, '', url(seq))
  }
  const replace = throttle((seq: number) => write('replace', seq, cursor.jumpIndex), 250)

  cursor.setJumpMirror({
    push(index, from, to) {
      replace.cancel()
      write('replace', from, index - 1)
      write('push', to, index)
    },
    back: () => window.history.back(),
    forward: () => window.history.forward(),
  })

  // Steps (and the first moment) keep the current entry's address in step with the cursor.
  watch(() => [session.info?.path ?? null, cursor.seq, cursor.state !== null] as const, ([path, seq, shown]) => {
    if (path !== null && shown) replace(seq)
  })
  // A new session starts its stack at the entry the page is on (after the cursor's reset).
  watch(() => session.id, () => cursor.resetJumps(jumpOf(window.history.state) ?? 0), { flush: 'post' })

  const onPop = (e: PopStateEvent): void => {
    replace.cancel()
    const m = parseMoment(window.location.search)
    if (m.file !== null && session.info && m.file !== session.info.path) {
      // an entry of another session file: load it as a link would
      window.location.reload()
      return
    }
    cursor.restore(jumpOf(e.state) ?? 0, m.seq ?? undefined)
  }
  window.addEventListener('popstate', onPop)
  onBeforeUnmount(() => {
    window.removeEventListener('popstate', onPop)
    cursor.setJumpMirror(null)
    replace.cancel()
  })

  return {
    file: start.file,
    initialSeq(last) {
      const text = seqText
      seqText = null
      if (text === null) return null
      const c = checkSeqText(text, last, 'The address asks for seq')
      if (c.ok) return c.seq
      session.say(`${c.message} Showing seq ${c.fallback.toLocaleString('en-US')} instead.`)
      return c.fallback
    },
  }
}

/**
 * The first requests of a page in a browser, sent by boot.ts (a small script the page runs
 * before the app's, so that they travel while the app's script is still being evaluated): the
 * model's catalog and, when the address names a session file, its opening with its first moment
 * (the address's seq, else 0: openSession's `at`, one request). The boot takes each once:
 * loadCatalog(), session.openFile() and the cursor's first fetch. Before, a fresh page sent the
 * catalog after the mount, the opening after the catalog's answer, and the state after that,
 * each waiting for the main thread to finish what it was rendering.
 *
 * main.ts mounts the app once these have answered (bootAnswered), so that the first render has
 * the session and its first moment: mounted before, the page rendered and laid out the header
 * alone, then everything again when the state came.
 *
 * No Vue here, nor anything that imports it: boot.ts must not wait for the framework's code.
 */
import type { LabClient } from '../../../electron/api/contract'
import { checkSeqText, momentSeqText, parseMoment } from './url-state'

type CatalogAnswer = ReturnType<LabClient['catalog']>
type OpenAnswer = ReturnType<LabClient['openSession']>
type MomentAnswer = ReturnType<LabClient['stateAt']>

let catalog: CatalogAnswer | null = null
let opening: { path: string; answer: OpenAnswer } | null = null
let moment: { session: string; seq: number; answer: MomentAnswer } | null = null
let answered: Promise<unknown> | null = null

/**
 * Sends the catalog request and, for the file the address's query (`search`) names, the opening
 * with the state of its first moment: the address's `seq` when it is a seq of the session, else
 * where the boot goes instead (url-state.ts checkSeqText), 0 without one. A seq the opening
 * cannot be asked for at once (`end`, `1,000`, past the end) is asked for once its answer says
 * where.
 */
export function prefetchBoot(client: LabClient, search: string): void {
  const { file, seq: plainSeq } = parseMoment(search)
  const seqText = momentSeqText(search)
  catalog = client.catalog({})
  opening = null
  moment = null
  if (file === null) {
    answered = catalog
    return
  }
  const plain = seqText === null ? 0 : plainSeq
  const answer = client.openSession({ path: file, ...(plain === null ? {} : { at: { seq: plain, pages: 'roots', transition: true } }) })
  // the session store keeps the session's info, not the moment that came with it
  opening = { path: file, answer: answer.then((r) => (r.ok ? { ok: true as const, value: withoutMoment(r.value) } : r)) }
  const first = answer.then((r) => {
    if (!r.ok) return null
    const session = r.value.session
    if (plain !== null && r.value.at) {
      const m: MomentAnswer = Promise.resolve({ ok: true, value: r.value.at })
      moment = { session, seq: plain, answer: m }
      return m
    }
    const c = seqText === null ? null : checkSeqText(seqText, r.value.transitions, 'seq')
    const seq = c === null ? 0 : c.ok ? c.seq : c.fallback
    const m = client.stateAt({ session, seq, pages: 'roots', transition: true })
    moment = { session, seq, answer: m }
    return m
  })
  answered = Promise.all([catalog, first])
}

/** True once prefetchBoot has run (boot.ts did, or main.ts must). */
export function bootPrefetched(): boolean {
  return answered !== null
}

/** An opened session's info without the moment openSession's `at` added. */
function withoutMoment<T extends { at?: unknown }>(opened: T): Omit<T, 'at'> {
  const { at: _moment, ...info } = opened
  return info
}

/** Resolves once the boot's requests have answered, or after `capMs` (whichever is first). */
export function bootAnswered(capMs: number): Promise<void> {
  const pending = answered ?? Promise.resolve()
  return new Promise<void>((done) => {
    const timer = setTimeout(done, capMs)
    void pending.catch(() => undefined).then(() => {
      clearTimeout(timer)
      done()
    })
  })
}

/** The catalog request sent at start, once (null: none, or already taken). */
export function takePrefetchedCatalog(): CatalogAnswer | null {
  const c = catalog
  catalog = null
  return c
}

/** The opening of `path` sent at start, once (null: none, another file, or already taken). */
export function takePrefetchedOpening(path: string): OpenAnswer | null {
  if (opening?.path !== path) return null
  const a = opening.answer
  opening = null
  return a
}

/** The first moment's state (root pages, with its transition) asked for at start, once, if it is `seq` of `session`. */
export function takePrefetchedMoment(session: string, seq: number): MomentAnswer | null {
  if (moment === null || moment.session !== session || moment.seq !== seq) return null
  const a = moment.answer
  moment = null
  return a
}

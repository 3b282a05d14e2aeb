/**
 * The first requests of a page, sent before the app mounts (main.ts) so that they travel while
 * the first render runs: the model's catalog and, when the address names a session file, its
 * opening. The boot (App.vue) takes each once: loadCatalog() and session.openFile(). Before,
 * a fresh page sent the catalog after the mount, the opening after the catalog's answer, and
 * the state after that, each waiting for the main thread to finish what it was rendering.
 */
import type { LabClient } from '../../../electron/api/contract'
import { lab } from '../api/lab'

type CatalogAnswer = ReturnType<LabClient['catalog']>
type OpenAnswer = ReturnType<LabClient['openSession']>

let catalog: CatalogAnswer | null = null
let opening: { path: string; answer: OpenAnswer } | null = null

/** Sends the catalog request and, for `file`, the opening. */
export function prefetchBoot(file: string | null): void {
  catalog = lab().catalog({})
  opening = file === null ? null : { path: file, answer: lab().openSession({ path: file }) }
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

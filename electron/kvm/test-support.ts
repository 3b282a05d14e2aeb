/**
 * Test support for electron/kvm: where the shared real-kernel traces are
 * (`<repo>/../shared/data/kvm-traces`, as in CI), and loading a script/trace pair.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse_script, type Script } from '../../sim/script'

/** The repository root (two levels above this file). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The shared traces directory ($ROOTLAB_KVM_TRACES, e.g. from a git worktree), or null (with the reason) if it is absent. */
export function sharedTracesDir(): { dir: string | null; reason: string } {
  const dir = process.env.ROOTLAB_KVM_TRACES ?? join(REPO_ROOT, '..', 'shared', 'data', 'kvm-traces')
  return existsSync(dir) ? { dir, reason: '' } : { dir: null, reason: `shared traces not found at ${dir}` }
}

/** A NAME.script.json / NAME.trace.txt pair. */
export function loadPair(dir: string, name: string): { script: Script; trace: string } {
  return {
    script: parse_script(readFileSync(join(dir, `${name}.script.json`), 'utf8')),
    trace: readFileSync(join(dir, `${name}.trace.txt`), 'utf8'),
  }
}

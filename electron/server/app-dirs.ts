/**
 * Folders the browser viewer uses outside the served folder: where the package is (for the built
 * renderer) and where its own data goes (the default session).
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_NAME = 'kvm-root-lab'

/** The package's root folder (the one with its package.json), found from this module upward. */
export function packageRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package folder above ${fileURLToPath(from)}`)
    dir = up
  }
}

/** The built renderer: $ROOTLAB_RENDERER_DIR, else out/renderer in the package. */
export function rendererDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ROOTLAB_RENDERER_DIR ? resolve(env.ROOTLAB_RENDERER_DIR) : join(packageRoot(), 'out', 'renderer')
}

/** The viewer's data folder: $ROOTLAB_DATA_DIR, else $XDG_DATA_HOME/rootlab, else ~/.local/share/rootlab. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ROOTLAB_DATA_DIR) return resolve(env.ROOTLAB_DATA_DIR)
  const base = env.XDG_DATA_HOME ? resolve(env.XDG_DATA_HOME) : join(homedir(), '.local', 'share')
  return join(base, 'rootlab')
}

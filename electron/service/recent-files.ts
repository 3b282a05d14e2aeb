/**
 * The "recent sessions" list: most recent first, de-duplicated, bounded, and optionally kept in
 * a JSON file (Electron's user-data folder). A missing or damaged file is an empty list: losing
 * the list is better than refusing to start.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export interface RecentFiles {
  /** Paths, most recent first. */
  list(): string[]
  /** Moves `path` to the front (adding it if new) and saves. */
  add(path: string): void
  remove(path: string): void
  has(path: string): boolean
}

const MAX_RECENT = 10

/** A recent list kept in `file` (JSON array of paths), or in memory only when `file` is omitted. */
export function createRecentFiles(file?: string, max = MAX_RECENT): RecentFiles {
  let items = file ? load(file) : []
  const save = () => {
    if (!file) return
    mkdirSync(dirname(file), { recursive: true })
    // Write then rename, so a crash mid-write never leaves half a list.
    const tmp = `${file}.tmp`
    writeFileSync(tmp, JSON.stringify(items, null, 1))
    renameSync(tmp, file)
  }
  return {
    list: () => [...items],
    add(path) {
      const abs = resolve(path)
      items = [abs, ...items.filter((p) => p !== abs)].slice(0, max)
      save()
    },
    remove(path) {
      const abs = resolve(path)
      const before = items.length
      items = items.filter((p) => p !== abs)
      if (items.length !== before) save()
    },
    has: (path) => items.includes(resolve(path)),
  }
}

function load(file: string): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'))
    return Array.isArray(parsed) ? parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT) : []
  } catch {
    return []
  }
}

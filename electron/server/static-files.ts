/**
 * Serves the built renderer (out/renderer) read-only. Paths are resolved and must stay inside
 * the folder (no `..`, no symbolic link out of it); a path without a file extension gets
 * index.html, so a reload of a deep link still opens the app.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, resolve } from 'node:path'
import { isInside } from '../service/path-policy'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/** A built asset whose name carries its content's hash (Vite's `[name]-[hash].js` / `.css`). */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8}\.(?:js|css)$/

/**
 * How long the browser may keep a file. A hashed asset never changes under its name (a rebuild
 * writes new names, and index.html names them), so it is kept for good: a reload or a second
 * tab neither asks for it again nor compiles it again (Chromium keeps V8's code cache with the
 * cached file). index.html, and anything else, is asked for again every time, so a viewer
 * rebuilt in place is never run stale.
 */
export function cacheControl(rel: string): string {
  return HASHED_ASSET.test(rel) ? 'public, max-age=31536000, immutable' : 'no-cache'
}

/** Answers GET/HEAD `pathname` from `root`; returns false when there is no such file. */
export function serveStatic(root: string, pathname: string, res: ServerResponse, head: boolean): boolean {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return false
  }
  if (decoded.includes('\0')) return false
  const rootReal = realpathSync(root)
  const rel = decoded === '/' || extname(decoded) === '' ? 'index.html' : decoded.replace(/^\/+/, '')
  const file = resolve(rootReal, rel)
  if (!isInside(rootReal, file) || !existsSync(file)) return false
  const real = realpathSync(file)
  if (!isInside(rootReal, real)) return false
  const st = statSync(real)
  if (!st.isFile()) return false
  res.statusCode = 200
  res.setHeader('Content-Type', CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream')
  res.setHeader('Content-Length', st.size)
  res.setHeader('Cache-Control', cacheControl(rel))
  if (head) res.end()
  else createReadStream(real).pipe(res)
  return true
}

/** True when `dir` holds a built renderer. */
export const isRendererBuilt = (dir: string): boolean => existsSync(join(dir, 'index.html'))

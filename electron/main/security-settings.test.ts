/**
 * The desktop shell's security settings, pinned: Electron's fuses in the package
 * (electron-builder.yml), the webPreferences of every window, and the CSP the renderer carries
 * (the same as `rootlab serve` sends). docs/security.md says why each is what it is; changing one
 * must be a decision, made here and there.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../server/security'
import { secureWebPreferences } from './web-preferences'

const ROOT = join(import.meta.dirname, '..', '..')

/** The `key: value` lines of a top-level mapping of electron-builder.yml (comments dropped). */
function topLevelMapping(yml: string, key: string): Record<string, string> {
  const lines = yml.split('\n')
  const start = lines.indexOf(`${key}:`)
  if (start < 0) throw new Error(`electron-builder.yml has no ${key}`)
  const out: Record<string, string> = {}
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break
    const m = /^ {2}(\w+):\s*(\S+)\s*(?:#.*)?$/.exec(line)
    if (m) out[m[1]!] = m[2]!
  }
  return out
}

describe('the packaged desktop app', () => {
  const yml = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')

  it('flips the fuses: no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect; encrypted cookies; ASAR only, checked', () => {
    expect(topLevelMapping(yml, 'electronFuses')).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableCookieEncryption: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      grantFileProtocolExtraPrivileges: 'true',
    })
    expect(yml).toMatch(/^asar: true$/m)
  })

  it("names every fuse as electron-builder's schema does (a misspelt one would be ignored)", () => {
    const scheme = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } }
    }
    for (const key of Object.keys(topLevelMapping(yml, 'electronFuses'))) {
      expect(Object.keys(scheme.definitions.FuseOptionsV1.properties)).toContain(key)
    }
  })

  it('gives every window an isolated, sandboxed renderer without Node', () => {
    expect(secureWebPreferences('/app/out/preload/preload.cjs')).toEqual({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false,
      navigateOnDragDrop: false, spellcheck: false,
    })
  })

  it("carries the viewer's CSP in the renderer's page (no inline script, nothing from elsewhere)", () => {
    const html = readFileSync(join(ROOT, 'renderer', 'index.html'), 'utf8')
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(csp).toBeDefined()
    // A meta CSP cannot carry frame-ancestors (only the header can): the rest must be the same.
    expect(csp).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''))
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/)
  })
})

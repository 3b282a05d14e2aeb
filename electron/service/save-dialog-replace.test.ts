/**
 * The desktop app's File ▸ Export: confirming "Replace" in the native Save dialog replaces the
 * file (the path policy allows the write because the dialog asked), through a temporary file;
 * a path the dialog did not ask about is never replaced.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { recordSession } from '../session/index'
import { tempDir } from '../session/testing/fixtures'
import { createLabService } from './lab-service'
import { allowListPolicy } from './path-policy'
import { sessionLayer } from './session-layer'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe('export after a Save dialog confirmed Replace', () => {
  it('replaces the chosen file, and only that one', async () => {
    const userData = tmp.file('userData')
    const docs = tmp.file('docs')
    mkdirSync(userData)
    mkdirSync(docs)
    const src = join(docs, 'run.rootlab')
    recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 50, seed: 1 }, policy: 'free-obsolete', out: src })
    const paths = allowListPolicy({ userData, recordingsDir: userData, isRecent: () => false })
    const service = createLabService({ sessions: sessionLayer, paths, dataDir: userData })
    try {
      paths.allow(src, 'read')
      const opened = await service.call('openSession', { path: src })
      if (!opened.ok) throw new Error(opened.error)
      const session = (opened.value as { session: string }).session
      const chosen = join(docs, 'trace.json')
      const other = join(docs, 'other.json')
      writeFileSync(chosen, 'old trace')
      writeFileSync(other, 'keep me')
      // What main.ts does when the dialog returns a path the user confirmed.
      paths.allow(chosen, 'write')
      const r = await service.call('exportSession', { session, format: 'perfetto', out: chosen })
      expect(r).toMatchObject({ ok: true, value: { out: chosen } })
      expect(JSON.parse(readFileSync(chosen, 'utf8'))).toHaveProperty('traceEvents')
      const refused = await service.call('exportSession', { session, format: 'perfetto', out: other })
      expect(refused).toMatchObject({ ok: false })
      expect(readFileSync(other, 'utf8')).toBe('keep me')
    } finally {
      await service.close()
    }
  })
})

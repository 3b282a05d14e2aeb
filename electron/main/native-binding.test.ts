import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { chooseNativeBinding } from './native-binding'

describe('choosing the better-sqlite3 addon', () => {
  const base = mkdtempSync(join(tmpdir(), 'rootlab-native-'))
  afterAll(() => rmSync(base, { recursive: true, force: true }))
  const electron = { ...process.versions, electron: '40.10.2', modules: '143' } as NodeJS.ProcessVersions

  it('uses better-sqlite3 as installed under plain Node', () => {
    expect(chooseNativeBinding(base, { ...process.versions, electron: undefined } as unknown as NodeJS.ProcessVersions)).toEqual({ kind: 'node' })
  })

  it('names the missing Electron-ABI build and the command that makes it', () => {
    const c = chooseNativeBinding(base, electron)
    expect(c).toMatchObject({ kind: 'missing', path: join(base, 'native', 'electron-143', 'better_sqlite3.node') })
    expect(c.kind === 'missing' && c.message).toMatch(/Electron 40.10.2 \(ABI 143\).*npm run build:native/)
  })

  it('loads the Electron-ABI build when it is there', () => {
    mkdirSync(join(base, 'native', 'electron-143'), { recursive: true })
    writeFileSync(join(base, 'native', 'electron-143', 'better_sqlite3.node'), '')
    expect(chooseNativeBinding(base, electron)).toEqual({ kind: 'electron', path: join(base, 'native', 'electron-143', 'better_sqlite3.node') })
  })
})

/**
 * The import boundaries of architecture.md are enforced by ESLint; these tests plant violations
 * and require the lint to fail on each (and to pass on the allowed forms).
 */
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname })

async function errors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`)
}

describe('import boundaries', () => {
  it('refuses a sim/ module that imports from electron/', async () => {
    const e = await errors('sim/planted.ts', "import { openSession } from '../electron/session/index'\nexport const x = openSession\n")
    expect(e.join('\n')).toMatch(/may not import from electron/)
  })
  it('refuses a sim/ module that imports node:fs, a bare Node built-in or better-sqlite3', async () => {
    expect((await errors('sim/planted.ts', "import { readFileSync } from 'node:fs'\nexport const x = readFileSync\n")).join()).toMatch(/no node:\*/)
    expect((await errors('sim/planted.ts', "import { join } from 'path'\nexport const x = join\n")).join()).toMatch(/Node built-in/)
    expect((await errors('sim/planted.ts', "import Database from 'better-sqlite3'\nexport const x = Database\n")).join()).toMatch(/SQLite/)
  })
  it('refuses a sim/ module that imports from renderer/ or uses Math.random', async () => {
    expect((await errors('sim/planted.ts', "import { x } from '../renderer/src/x'\nexport const y = x\n")).join()).toMatch(/renderer/)
    expect((await errors('sim/planted.ts', 'export const r = Math.random()\n')).join()).toMatch(/seeded PRNG/)
  })
  it('lets renderer/ import the contract as types only', async () => {
    expect(await errors('renderer/src/planted.ts', "import type { LabClient } from '../../electron/api/contract'\nexport type X = LabClient\n")).toEqual([])
    const e = await errors('renderer/src/planted.ts', "import { validateArgs } from '../../electron/api/contract'\nexport const x = validateArgs\n")
    expect(e.join()).toMatch(/import type/)
  })
  it('refuses renderer/ imports of the session layer or Node modules', async () => {
    expect((await errors('renderer/src/planted.ts', "import { openSession } from '../../electron/session/index'\nexport const x = openSession\n")).join()).toMatch(/only through LabApi/)
    expect((await errors('renderer/src/planted.ts', "import { readFileSync } from 'node:fs'\nexport const x = readFileSync\n")).join()).toMatch(/sandboxed page/)
  })
  it('refuses renderer/ imports of sim/, types or values (tests may build states with it)', async () => {
    expect((await errors('renderer/src/planted.ts', "import { POLICIES } from '../../sim/types'\nexport const x = POLICIES\n")).join()).toMatch(/imports nothing from sim/)
    expect((await errors('renderer/src/lib/planted.ts', "import type { StateView } from '../../../sim/view'\nexport type X = StateView\n")).join()).toMatch(/imports nothing from sim/)
    expect(await errors('renderer/src/lib/planted.test.ts', "import { state_view } from '../../../sim/view'\nexport const x = state_view\n")).toEqual([])
  })
  it('refuses a server/ module that imports from the CLI', async () => {
    expect((await errors('electron/server/planted.ts', "import { main } from '../cli/main'\nexport const x = main\n")).join()).toMatch(/the CLI starts the server/)
  })
  it('refuses a session/ module that imports the LabApi contract or a shell', async () => {
    expect((await errors('electron/session/planted.ts', "import type { SqlResult } from '../api/contract'\nexport type X = SqlResult\n")).join()).toMatch(/may not import the LabApi/)
    expect((await errors('electron/session/planted.ts', "import { createLabService } from '../service/lab-service'\nexport const x = createLabService\n")).join()).toMatch(/shells above it/)
    expect(await errors('electron/session/planted.ts', "import type { Transition } from '../../sim/transitions'\nexport type X = Transition\n")).toEqual([])
  })
})

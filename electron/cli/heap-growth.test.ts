import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from './commands'
import { HEAP_GROWTH_FLAG, RECORDING_COMMANDS } from './heap-growth'

describe('the recording commands limit the old generation growth', () => {
  it('this Node knows the flag (an unknown one makes V8 print an error on every recording)', () => {
    const r = spawnSync(process.execPath, ['-e', `require('node:v8').setFlagsFromString(${JSON.stringify(HEAP_GROWTH_FLAG)}); console.log('set')`], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('set')
  })

  it('names commands that exist', () => {
    for (const name of RECORDING_COMMANDS) expect(COMMANDS.map((c) => c.name)).toContain(name)
  })
})

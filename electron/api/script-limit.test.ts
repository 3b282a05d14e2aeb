/**
 * One script size limit everywhere (sim/script.ts MAX_SCRIPT_BYTES): a file given to --script
 * (electron/cli/input-file.ts), a script sent through the LabApi (this contract), and the body of
 * an HTTP request to `rootlab serve` (electron/server/lab-server.ts).
 */
import { describe, expect, it } from 'vitest'
import { MAX_SCRIPT_BYTES } from '../../sim/script'
import { MAX_BODY_BYTES } from '../server/lab-server'
import { validateArgs } from './contract'

const start = (text: string) => ({ source: { type: 'script', name: 's.json', text }, policy: 'free-obsolete' })

describe('the script size limit', () => {
  it('is 50 MB, and the HTTP body cap is the same', () => {
    expect(MAX_SCRIPT_BYTES).toBe(50_000_000)
    expect(MAX_BODY_BYTES).toBe(MAX_SCRIPT_BYTES)
  })

  it('is counted in UTF-8 bytes by the LabApi, as on disk', () => {
    expect(validateArgs('startRecording', start('x'.repeat(MAX_SCRIPT_BYTES))).ok).toBe(true)
    expect(validateArgs('startRecording', start('x'.repeat(MAX_SCRIPT_BYTES + 1)))).toEqual({ ok: false, error: expect.stringMatching(/^startRecording: source\.text: /) })
    // 2 bytes per character in UTF-8: half as many characters fit.
    expect(validateArgs('startRecording', start('é'.repeat(MAX_SCRIPT_BYTES / 2 + 1))).ok).toBe(false)
  })
})

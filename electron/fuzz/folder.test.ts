/**
 * A fuzz folder through the LabApi (fuzzReproducers) and `rootlab serve`: listed through the path
 * policy with every path checked, and a reproducer served at its bookmark.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_FUZZ_SHAPE } from '../../sim/fuzz/generate'
import type { FuzzFolder } from '../api/contract'
import { serveCommand } from '../server/serve-command'
import { createLabService, type LabService } from '../service/lab-service'
import { rootFolderPolicy } from '../service/path-policy'
import { inlineRunner } from '../service/recording-runner'
import { sessionLayer } from '../service/session-layer'
import { recordSession } from '../session/index'
import type { FuzzTarget } from './engine'
import { writeFuzzFolder } from './output'
import { inlineExecutor } from './pool'
import { runFuzz } from './runner'
import type { FuzzSummary } from './summary'

const tmp = mkdtempSync(join(tmpdir(), 'rootlab-fuzz-folder-'))
const root = join(tmp, 'root')
let summary: FuzzSummary
let service: LabService

beforeAll(async () => {
  mkdirSync(root)
  const target: FuzzTarget = { seed: 1, policy: 'free-obsolete-buggy', against: null, shape: DEFAULT_FUZZ_SHAPE }
  const result = await runFuzz({ target, shard: { index: 0, count: 1 }, runs: 60, seconds: null, executors: [inlineExecutor(target)] })
  summary = await writeFuzzFolder({ dir: join(root, 'fz'), target, shard: { index: 0, count: 1 }, result })
  service = createLabService({ sessions: sessionLayer, paths: rootFolderPolicy(root), dataDir: join(tmp, 'data'), runner: inlineRunner(sessionLayer) })
})
afterAll(async () => {
  await service.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('LabApi fuzzReproducers', () => {
  it('lists a fuzz folder\'s reproducers, the smallest first, each opening at its bookmark', async () => {
    const r = await service.fuzzReproducers({ dir: 'fz' })
    expect(r.ok).toBe(true)
    const folder = (r as { value: FuzzFolder }).value
    expect(folder).toMatchObject({ dir: join(root, 'fz'), runs: 60, seed: 1, policy: 'free-obsolete-buggy', against: null })
    expect(folder.reproducers.map((x) => [x.id, x.ops, x.first_seq, x.failure])).toEqual(summary.failures.map((f) => [f.id, f.ops, f.first_seq, f.failure]))
    expect(folder.reproducers[0]!.session).toBe(join(root, 'fz', 'fail-1.rootlab'))
    const opened = await service.openSession({ path: folder.reproducers[0]!.session })
    expect(opened).toMatchObject({ ok: true, value: { policy: 'free-obsolete-buggy', findings: 1 } })
    const session = (opened as { value: { session: string } }).value.session
    expect(await service.listBookmarks({ session })).toMatchObject({ ok: true, value: [{ seq: folder.reproducers[0]!.first_seq }] })
  })

  it('refuses folders outside the served folder, through links, and summaries that point out of their folder', async () => {
    const outside = join(tmp, 'outside')
    cpSync(join(root, 'fz'), outside, { recursive: true })
    expect(await service.fuzzReproducers({ dir: outside })).toEqual({ ok: false, error: `${join(outside, 'summary.json')} is outside the folder this viewer serves (${root})` })
    symlinkSync(outside, join(root, 'link'))
    expect(await service.fuzzReproducers({ dir: 'link' })).toMatchObject({ ok: false, error: expect.stringMatching(/is outside the folder this viewer serves/) })
    // A reproducer file that is a link out of the served folder.
    const sneaky = join(root, 'sneaky')
    cpSync(join(root, 'fz'), sneaky, { recursive: true })
    rmSync(join(sneaky, 'fail-1.rootlab'))
    symlinkSync(join(outside, 'fail-1.rootlab'), join(sneaky, 'fail-1.rootlab'))
    expect(await service.fuzzReproducers({ dir: 'sneaky' })).toMatchObject({ ok: false, error: expect.stringMatching(/fail-1\.rootlab is outside the folder/) })
    // A summary naming a path outside its folder.
    mkdirSync(join(root, 'bad'))
    writeFileSync(join(root, 'bad', 'summary.json'), JSON.stringify({ ...summary, failures: [{ ...summary.failures[0], session: '../fz/fail-1.rootlab' }] }))
    expect(await service.fuzzReproducers({ dir: 'bad' })).toMatchObject({ ok: false, error: expect.stringMatching(/failures\.0\.session: must be a file name inside the folder$/) })
    expect(await service.fuzzReproducers({ dir: 'nothing' })).toMatchObject({ ok: false, error: expect.stringMatching(/does not exist$/) })
    expect(await service.call('fuzzReproducers', { dir: 5 })).toMatchObject({ ok: false, error: expect.stringMatching(/^fuzzReproducers: dir: /) })
  })
})

describe('rootlab serve FILE', () => {
  async function printedUrl(file: string): Promise<string> {
    const lines: string[] = []
    let stop!: () => void
    const stopSignal = new Promise<void>((r) => (stop = r))
    const code = serveCommand([file, '--port', '0'], {
      sessions: sessionLayer, runner: inlineRunner(sessionLayer), cwd: root,
      env: { ROOTLAB_RENDERER_DIR: join(tmp, 'renderer'), ROOTLAB_DATA_DIR: join(tmp, 'data') },
      out: (l) => lines.push(l), err: (l) => lines.push(l), stopSignal,
    })
    while (!lines.length) await new Promise((r) => setTimeout(r, 5))
    stop()
    expect(await code).toBe(0)
    return /http:\S+/.exec(lines[0]!)![0]
  }

  it('prints a URL that opens a fuzz reproducer at its bookmark, and other sessions at the start', async () => {
    mkdirSync(join(tmp, 'renderer'), { recursive: true })
    writeFileSync(join(tmp, 'renderer', 'index.html'), '<!doctype html><title>Root Lab</title>')
    const url = new URL(await printedUrl(join('fz', 'fail-1.rootlab')))
    expect(url.searchParams.get('file')).toBe(join(root, 'fz', 'fail-1.rootlab'))
    expect(url.searchParams.get('seq')).toBe(String(summary.failures[0]!.first_seq))
    recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 20, seed: 1 }, policy: 'free-obsolete', out: join(root, 'plain.rootlab') })
    expect(new URL(await printedUrl('plain.rootlab')).searchParams.get('seq')).toBeNull()
  })
})

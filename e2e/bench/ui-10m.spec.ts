/**
 * The issue's renderer budgets on a 10-million-transition session, measured in Chromium through
 * `rootlab serve` (not part of `npm test`: recording the session takes ~30-60 s, and the numbers
 * are for docs/benchmarks.md). Run with
 *
 *   npx playwright test --config e2e/bench/playwright.config.ts     (npm run bench:ui)
 *
 * The session is recorded once into .bench/ui-10m.rootlab (gitignored) and reused while it has
 * at least ROOTLAB_BENCH_MIN transitions (default 10,000,000); ROOTLAB_BENCH_STEPS sets the
 * scheduler steps of a new recording (default 800,000: ~10.5M transitions). ROOTLAB_BENCH_ROUNDS
 * repeats the whole measurement (default 1). Every round prints one line
 *
 *   ui-10m: {"transitions":...,"first_frame_ms":...,...}
 *
 * Budgets (issues 5, 13): first frame <= 300 ms, one step median <= 16 ms and p90 <= 20 ms, scrubbing
 * at 60 fps with the vCPU lanes shown, JS heap < 200 MB. Each round also prints how many steps
 * found their moment asked for ahead, where the time of a step that sent its own request goes
 * (step_tail_median_ms: send / server / render), and scrubs once more with the lanes folded away.
 * The test asserts that the log works at this size (rows, follow, click) and that the budgets are
 * met with headroom for a shared 2-core machine; the figures themselves are what it is for.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CDPSession, Page } from '@playwright/test'
import { expect, startServe, test, waitForIdle, type LabServe } from '../helpers/lab'

const ROOT = resolve(import.meta.dirname, '..', '..')
const FILE = join(ROOT, '.bench', 'ui-10m.rootlab')
const MIN = Number(process.env.ROOTLAB_BENCH_MIN ?? 10_000_000)
const STEPS = Number(process.env.ROOTLAB_BENCH_STEPS ?? 800_000)
const ROUNDS = Number(process.env.ROOTLAB_BENCH_ROUNDS ?? 1)
/** ROOTLAB_BENCH_PROFILE=1: a CPU profile of the page over 40 more steps, its top functions printed (and saved). */
const PROFILE = process.env.ROOTLAB_BENCH_PROFILE === '1'

test.use({
  viewport: { width: 1600, height: 1000 },
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'],
  },
})
test.setTimeout(900_000)

function rootlab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'rootlab.js'), ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The cached 10M session: recorded when missing, incomplete or too short. */
function ensureSession(): { transitions: number; recordMs: number | null } {
  const info = (): { transitions: number; complete: boolean } | null => {
    if (!existsSync(FILE)) return null
    const r = rootlab(['info', FILE, '--json'])
    return r.status === 0 ? JSON.parse(r.stdout) as { transitions: number; complete: boolean } : null
  }
  let i = info()
  if (i && i.complete && i.transitions >= MIN) return { transitions: i.transitions, recordMs: null }
  mkdirSync(join(ROOT, '.bench'), { recursive: true })
  const t0 = Date.now()
  const r = rootlab(['record', '--scenario', 'process-churn', '--vcpus', '4', '--steps', String(STEPS), '--seed', '1', '--out', FILE, '--force', '--json'])
  if (r.status !== 0) throw new Error(`rootlab record failed:\n${r.stderr}`)
  const recordMs = Date.now() - t0
  i = info()
  if (!i || i.transitions < MIN) throw new Error(`the recording has ${i?.transitions} transitions (< ${MIN}); raise ROOTLAB_BENCH_STEPS`)
  return { transitions: i.transitions, recordMs }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!
const round1 = (x: number): number => Math.round(x * 10) / 10
const T0 = Date.now()
/** Progress on stderr (a long benchmark should say where it is). */
const note = (what: string): void => { process.stderr.write(`ui-10m [${((Date.now() - T0) / 1000).toFixed(1)} s] ${what}\n`) }

/**
 * Installed before the page's scripts: the time (performance.now(), i.e. since navigation start)
 * at which the vCPU cards of a state first appear (`dom`), and the start of the first animation
 * frame that has them (`frame`: the frame that paints them; the first frame).
 *
 * The frame is found by looking at every animation frame, not by a requestAnimationFrame asked
 * for from the MutationObserver's callback: when the app mounts inside the parser's task (the
 * boot's answers were in before the app's module had run), Chromium delivered the observer's
 * records 100-280 ms after that frame had been painted (seen in a trace: the paint at mount + 68
 * ms, the records at mount + 278 ms), so the old probe reported a first frame that late in about
 * one fresh page in eight. Otherwise both agree to the millisecond.
 */
function firstFrameProbe(): void {
  const w = window as unknown as { __ff?: { dom: number; frame: number } }
  const shown = (): boolean => document.querySelector('section[role=region][aria-label^="vCPU "]') !== null
  const mo = new MutationObserver(() => {
    if (w.__ff || !shown()) return
    w.__ff = { dom: performance.now(), frame: 0 }
    mo.disconnect()
  })
  const start = (): void => mo.observe(document.documentElement, { subtree: true, childList: true })
  if (document.documentElement) start()
  else document.addEventListener('DOMContentLoaded', start)
  const tick = (): void => {
    if (!shown()) {
      requestAnimationFrame(tick)
      return
    }
    const now = performance.now()
    w.__ff ??= { dom: now, frame: 0 }
    w.__ff.frame = now
    mo.disconnect()
  }
  requestAnimationFrame(tick)
}

async function openTimed(page: Page, serve: LabServe): Promise<{ firstFrameMs: number; idleMs: number; wallMs: number; lanesMs: number }> {
  const t0 = Date.now()
  await page.goto(serve.pageUrl(FILE))
  await page.locator('section[role=region][aria-label^="vCPU "]').first().waitFor({ timeout: 30_000 })
  await expect.poll(() => page.evaluate(() => (window as unknown as { __ff?: { frame: number } }).__ff?.frame ?? 0)).toBeGreaterThan(0)
  const wallMs = Date.now() - t0
  // the vCPU lanes' summaries: built by the server once per open session (seconds on 10M)
  await expect(page.getByTestId('lanes-status')).toHaveText(/^summaries of/, { timeout: 600_000 })
  const lanesMs = await page.evaluate(() => performance.now())
  await waitForIdle(page)
  const ff = await page.evaluate(() => (window as unknown as { __ff: { frame: number } }).__ff.frame)
  const idleMs = await page.evaluate(() => performance.now())
  return { firstFrameMs: ff, idleMs, wallMs, lanesMs }
}

/**
 * One step (an ArrowRight keydown), timed three ways (ms): until the vCPU panel shows the new
 * seq (the state fetched and rendered), until the inspector shows its transition too, and until
 * the next animation frame after both (the frame that shows the step). The renderer asks for
 * the next steps' moments ahead (stores/cursor.ts), so most steps send no request of their own
 * (`ahead`: none was sent after the keydown and answered before the panel showed the seq). For
 * a step that did, where the first time goes (its tail), from the Resource Timing of its stateAt
 * request: `send` (keydown until the request leaves), `server` (request sent until its last byte
 * arrived: network, the Node side's stateAt with pages 'roots', the JSON) and `render` (last byte
 * until the panel shows the seq: parse, the local diff, Vue's update of the cards, log, inspector).
 */
interface StepTiming { state: number; inspector: number; frame: number; ahead: boolean; send: number; server: number; render: number }
async function stepLatency(page: Page, n: number): Promise<StepTiming[]> {
  return page.evaluate(async (count) => {
    performance.setResourceTimingBufferSize(100_000)
    const heading = document.getElementById('vcpus-title')!
    const insp = document.getElementById('inspector-title')!
    const seqOf = (el: HTMLElement): number => Number(/seq (\d+)/.exec(el.textContent ?? '')?.[1] ?? -1)
    const until = (el: HTMLElement, want: number): Promise<void> => new Promise<void>((done) => {
      if (seqOf(el) === want) return done()
      const mo = new MutationObserver(() => { if (seqOf(el) === want) { mo.disconnect(); done() } })
      mo.observe(el, { subtree: true, characterData: true, childList: true })
    })
    const out: StepTiming[] = []
    for (let i = 0; i < count; i++) {
      const want = seqOf(heading) + 1
      performance.clearResourceTimings()
      const t0 = performance.now()
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }))
      await until(heading, want)
      const state = performance.now() - t0
      await until(insp, want)
      const inspector = performance.now() - t0
      await new Promise<void>((done) => requestAnimationFrame(() => done()))
      const frame = performance.now() - t0
      const req = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/stateAt') &&
        e.startTime >= t0 && (e as PerformanceResourceTiming).responseEnd <= t0 + state) as PerformanceResourceTiming | undefined
      const send = req ? req.startTime - t0 : NaN
      const server = req ? req.responseEnd - req.startTime : NaN
      out.push({ state, inspector, frame, ahead: !req, send, server, render: req ? state - (req.responseEnd - t0) : NaN })
    }
    return out
  }, n)
}

/** Self time per function of the page's CPU profile over `n` steps (top 25 printed, the profile saved). */
async function profileSteps(page: Page, cdp: CDPSession, n: number, out: string): Promise<void> {
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
  await cdp.send('Profiler.start')
  await stepLatency(page, n)
  const { profile } = await cdp.send('Profiler.stop')
  writeFileSync(out, JSON.stringify(profile))
  const self = new Map<string, number>()
  const byId = new Map(profile.nodes.map((nd) => [nd.id, nd]))
  const deltas = profile.timeDeltas ?? []
  ;(profile.samples ?? []).forEach((id, i) => {
    const nd = byId.get(id)!
    const f = nd.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber}`
    self.set(key, (self.get(key) ?? 0) + (deltas[i] ?? 0) / 1000)
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)
  note(`profile of ${n} steps (${Math.round(total)} ms sampled), self time:`)
  for (const [k, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stderr.write(`  ${ms.toFixed(1).padStart(8)} ms  ${k}\n`)
}

/** Drags across the whole timeline in `moves` pointer moves while counting frames. */
async function scrub(page: Page, moves: number): Promise<{ fps: number; ms: number; longestFrameMs: number; states: number; heapPeakMb: number }> {
  const canvas = page.getByRole('slider', { name: 'Timeline cursor' }).locator('canvas')
  const box = (await canvas.boundingBox())!
  await page.evaluate(() => {
    const w = window as unknown as { __scrub: { frames: number; run: boolean; last: number; longest: number; states: number; heap: number; prev: string } }
    const heading = document.getElementById('vcpus-title')!
    w.__scrub = { frames: 0, run: true, last: performance.now(), longest: 0, states: 0, heap: 0, prev: heading.textContent ?? '' }
    const s = w.__scrub
    const tick = (t: number): void => {
      if (!s.run) return
      s.frames++
      s.longest = Math.max(s.longest, t - s.last)
      s.last = t
      const text = heading.textContent ?? ''
      if (text !== s.prev) { s.states++; s.prev = text }
      const m = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory
      if (m) s.heap = Math.max(s.heap, m.usedJSHeapSize)
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  const start = Date.now()
  await page.mouse.move(box.x + 5, box.y + 30)
  await page.mouse.down()
  for (let i = 0; i <= moves; i++) await page.mouse.move(box.x + 5 + (i / moves) * (box.width - 10), box.y + 30)
  await page.mouse.up()
  const ms = Date.now() - start
  const r = await page.evaluate(() => {
    const s = (window as unknown as { __scrub: { frames: number; run: boolean; longest: number; states: number; heap: number } }).__scrub
    s.run = false
    return s
  })
  return { fps: (r.frames * 1000) / ms, ms, longestFrameMs: r.longest, states: r.states, heapPeakMb: r.heap / 2 ** 20 }
}

async function heap(page: Page, cdp: CDPSession): Promise<{ usedMb: number; afterGcMb: number }> {
  const used = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0)
  await cdp.send('HeapProfiler.collectGarbage')
  const m = await cdp.send('Performance.getMetrics')
  const after = m.metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? 0
  return { usedMb: used / 2 ** 20, afterGcMb: after / 2 ** 20 }
}

/** The first data row shown in the log's viewport (its seq), or 0. */
async function firstVisibleSeq(page: Page): Promise<number> {
  return page.getByRole('table', { name: 'Transition log' }).evaluate((el) => {
    const top = el.getBoundingClientRect().top
    let best: { y: number; seq: number } | null = null
    for (const r of el.querySelectorAll<HTMLElement>('[role=row]')) {
      const y = r.getBoundingClientRect().top - top
      const seq = Number(r.querySelector('.c-seq')?.textContent ?? 'NaN')
      if (y > -10 && Number.isFinite(seq) && (!best || y < best.y)) best = { y, seq }
    }
    return best?.seq ?? 0
  })
}

test('a 10-million-transition session: first frame, step, scrub, log and heap', async ({ page }, info) => {
  const { transitions, recordMs } = ensureSession()
  note(`session: ${transitions} transitions${recordMs === null ? ' (cached)' : ` (recorded in ${recordMs} ms)`}`)
  // FILE on the command line: the one file outside its folder the server may read
  const serve = await startServe([FILE])
  try {
    await page.addInitScript(firstFrameProbe)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    for (let round = 0; round < ROUNDS; round++) {
      // opening: a cold server process on the first round, the same process afterwards
      note(`round ${round + 1}: opening`)
      const opens = [await openTimed(page, serve), await openTimed(page, serve), await openTimed(page, serve)]
      const total = Number((await page.getByLabel('Go to seq').locator('xpath=following-sibling::span').innerText()).replace(/[^0-9]/g, ''))
      expect(total).toBe(transitions)

      // one step, at the middle of the session
      await page.getByLabel('Go to seq').fill(String(Math.floor(total / 2)))
      await page.getByLabel('Go to seq').press('Enter')
      await waitForIdle(page)
      await page.locator('body').click({ position: { x: 5, y: 5 } })
      note('stepping')
      await stepLatency(page, 5) // warm-up
      const steps = await stepLatency(page, 60)
      if (PROFILE) await profileSteps(page, cdp, 40, info.outputPath('steps.cpuprofile'))

      // scrubbing across the whole session, with the vCPU lanes shown (the default), then
      // without them (same run, for the comparison)
      note('scrubbing')
      const lanesInfo = {
        status: await page.getByTestId('lanes-status').innerText(),
        shown: await page.getByTestId('lanes-canvas').isVisible(),
      }
      expect(lanesInfo.shown).toBe(true)
      const sc = await scrub(page, 150)
      await waitForIdle(page)
      const lanesToggle = page.getByRole('region', { name: 'vCPU lanes' }).getByRole('button', { name: /vCPU lanes/ })
      await lanesToggle.click()
      const scNoLanes = await scrub(page, 150)
      await lanesToggle.click()
      await waitForIdle(page)

      // the log over 10M rows: middle, end, a filter larger than the old limit, follow, click
      note('the log')
      const log = page.getByRole('table', { name: 'Transition log' })
      const logBox = await log.evaluate((el) => ({ scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }))
      expect(logBox.scrollHeight).toBeLessThan(33_000_000)
      await log.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2 })
      await expect.poll(() => firstVisibleSeq(page)).toBeGreaterThan(total * 0.45)
      expect(await firstVisibleSeq(page)).toBeLessThan(total * 0.55)
      await log.evaluate((el) => { el.scrollTop = el.scrollHeight })
      await expect(log.locator('[role=row] .c-seq', { hasText: new RegExp(`^${total}$`) })).toBeVisible()
      // wheel scrolling moves by pixels (rows), not by the scaled scrollbar's ratio
      await log.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 3 })
      // (wait for the rows of that position: the end's rows are still there for a moment)
      await expect.poll(() => firstVisibleSeq(page)).toBeLessThan(total * 0.4)
      expect(await firstVisibleSeq(page)).toBeGreaterThan(total * 0.3)
      const beforeWheel = await firstVisibleSeq(page)
      await log.hover()
      await page.mouse.wheel(0, 200)
      await expect.poll(() => firstVisibleSeq(page)).toBeGreaterThan(beforeWheel)
      expect(await firstVisibleSeq(page) - beforeWheel).toBeLessThanOrEqual(12)
      // follow cursor: a jump far away brings the current transition into view
      const target = Math.floor(total * 0.8) + 7
      await page.getByLabel('Go to seq').fill(String(target))
      await page.getByLabel('Go to seq').press('Enter')
      await waitForIdle(page)
      await expect(log.locator('[role=row][aria-current=true]')).toContainText(String(target))
      await expect(log.locator('[role=row][aria-current=true]')).toBeInViewport()
      // clicking a row moves the cursor there
      const other = log.locator('[role=row]:not([aria-current=true])', { hasText: String(target + 3) }).first()
      await other.click()
      await expect(page.getByLabel('Go to seq')).toHaveValue(String(target + 3))
      // a filtered list longer than the browser's element height limit allows in 20 px rows
      await page.locator('.log .filters label', { hasText: /^vCPU/ }).locator('select').selectOption('0')
      await waitForIdle(page)
      const filtered = Number((await page.locator('.log .filters .dim').innerText()).replace(/[^0-9]/g, ''))
      expect(filtered).toBeGreaterThan(1_700_000)
      await log.evaluate((el) => { el.scrollTop = el.scrollHeight })
      await expect.poll(async () => Number(await log.locator('[role=row] .c-seq').last().innerText().catch(() => '0'))).toBeGreaterThan(total * 0.99)
      await page.locator('.log .filters label', { hasText: /^vCPU/ }).locator('select').selectOption('')
      await waitForIdle(page)

      const h = await heap(page, cdp)
      /** Steps that sent a request of their own (their moment was not asked for ahead). */
      const own = steps.filter((x) => !x.ahead)
      const asked = (xs: number[], f: (xs: number[]) => number): number | null => (xs.length ? round1(f(xs)) : null)
      const result = {
        transitions: total,
        record_ms: round === 0 ? recordMs : null,
        first_frame_ms: opens.map((o) => Math.round(o.firstFrameMs)),
        open_idle_ms: opens.map((o) => Math.round(o.idleMs)),
        lanes_ready_ms: opens.map((o) => Math.round(o.lanesMs)),
        step_median_ms: round1(median(steps.map((x) => x.state))),
        step_p90_ms: round1(pct(steps.map((x) => x.state), 0.9)),
        step_max_ms: round1(Math.max(...steps.map((x) => x.state))),
        step_inspector_median_ms: round1(median(steps.map((x) => x.inspector))),
        step_frame_median_ms: round1(median(steps.map((x) => x.frame))),
        steps_answered_ahead: `${steps.filter((x) => x.ahead).length}/${steps.length}`,
        step_ahead_median_ms: asked(steps.filter((x) => x.ahead).map((x) => x.state), median),
        step_own_request_median_ms: asked(own.map((x) => x.state), median),
        step_tail_median_ms: {
          send: asked(own.map((x) => x.send), median), server: asked(own.map((x) => x.server), median),
          render: asked(own.map((x) => x.render), median),
        },
        lanes: lanesInfo,
        scrub_no_lanes_fps: round1(scNoLanes.fps),
        scrub_no_lanes_longest_frame_ms: round1(scNoLanes.longestFrameMs),
        scrub_fps: round1(sc.fps),
        scrub_ms: sc.ms,
        scrub_longest_frame_ms: round1(sc.longestFrameMs),
        scrub_states_shown: sc.states,
        heap_peak_mb: round1(sc.heapPeakMb),
        heap_mb: round1(h.usedMb),
        heap_after_gc_mb: round1(h.afterGcMb),
        log_scroll_height_px: logBox.scrollHeight,
      }
      console.log(`ui-10m: ${JSON.stringify(result)}`)
      await info.attach(`ui-10m-${round + 1}.json`, { body: JSON.stringify(result, null, 2), contentType: 'application/json' })

      // Budgets with headroom for a shared 2-core machine (the figures are the point).
      expect(Math.min(...result.first_frame_ms)).toBeLessThan(2000)
      expect(result.step_median_ms).toBeLessThan(60)
      expect(result.scrub_fps).toBeGreaterThan(30)
      expect(Math.max(result.heap_mb, result.heap_peak_mb)).toBeLessThan(200)
    }
  } finally {
    await serve.stop()
  }
})

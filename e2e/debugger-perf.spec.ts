/**
 * The debugger on a long session (about a million transitions), measured in Chromium through
 * `rootlab serve`: one step, scrubbing frame rate, the virtualized log, the JS heap. The numbers
 * are printed (and attached to the test); the targets are checked by `npm run bench:ui`, not
 * here, so a loaded machine cannot fail this test on speed.
 */
import type { Page } from '@playwright/test'
import { expect, test, waitForIdle } from './helpers/lab'

test.use({ viewport: { width: 1600, height: 1000 }, launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'],
  },
})
test.setTimeout(240_000)

async function recordLong(serve: { api: (n: string, a: unknown) => Promise<{ ok: boolean }> }): Promise<string> {
  const out = 'long-1m.rootlab'
  const started = await serve.api('startRecording', {
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 8, steps: 80_000, seed: 3 }, policy: 'free-obsolete', out,
  })
  expect(started.ok).toBe(true)
  await expect.poll(async () => {
    const r = await serve.api('listSessions', {}) as { ok: boolean; value?: { open: { path: string; complete: boolean }[] } }
    return r.ok && r.value!.open.some((s) => s.path.endsWith(out) && s.complete)
  }, { timeout: 200_000, intervals: [1000] }).toBe(true)
  return out
}

/**
 * ms from a key press until the vCPU panel shows the new seq (waiting for that seq: the heading
 * also changes when the previous step's transition arrives, which is not this step).
 */
async function stepLatency(page: Page, n: number): Promise<number[]> {
  return page.evaluate(async (count) => {
    const heading = document.getElementById('vcpus-title')!
    const seqOf = (): number => Number(/seq (\d+)/.exec(heading.textContent ?? '')?.[1] ?? -1)
    const out: number[] = []
    for (let i = 0; i < count; i++) {
      const want = seqOf() + 1
      const t0 = performance.now()
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }))
      await new Promise<void>((done) => {
        const mo = new MutationObserver(() => { if (seqOf() === want) { mo.disconnect(); done() } })
        mo.observe(heading, { subtree: true, characterData: true, childList: true })
      })
      out.push(performance.now() - t0)
    }
    return out
  }, n)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

test('a million-transition session steps, scrubs and scrolls', async ({ lab, page }, info) => {
  const file = await recordLong(lab.serve)
  const t0 = Date.now()
  await lab.open({ file })
  const firstFrameMs = Date.now() - t0
  const total = Number((await page.getByLabel('Go to seq').locator('xpath=following-sibling::span').innerText()).replace(/[^0-9]/g, ''))
  expect(total).toBeGreaterThan(500_000)

  await page.getByLabel('Go to seq').fill(String(Math.floor(total / 2)))
  await page.getByLabel('Go to seq').press('Enter')
  await waitForIdle(page)
  await page.locator('body').click({ position: { x: 5, y: 5 } })
  const steps = await stepLatency(page, 40)

  // scrub: drag across the timeline for ~2 s while counting animation frames
  const canvas = page.getByRole('slider', { name: 'Timeline cursor' }).locator('canvas')
  const box = (await canvas.boundingBox())!
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number; __run: boolean }
    w.__frames = 0
    w.__run = true
    const tick = (): void => { if (w.__run) { w.__frames++; requestAnimationFrame(tick) } }
    requestAnimationFrame(tick)
  })
  const start = Date.now()
  await page.mouse.move(box.x + 5, box.y + 30)
  await page.mouse.down()
  for (let i = 0; i <= 120; i++) await page.mouse.move(box.x + 5 + (i / 120) * (box.width - 10), box.y + 30)
  await page.mouse.up()
  const scrubMs = Date.now() - start
  const frames = await page.evaluate(() => { const w = window as unknown as { __frames: number; __run: boolean }; w.__run = false; return w.__frames })
  const fps = (frames * 1000) / scrubMs
  await waitForIdle(page)

  // the log: jump to the middle of a million rows and see rows there
  const log = page.getByRole('table', { name: 'Transition log' })
  await log.evaluate((el) => { el.scrollTop = el.scrollHeight / 2 })
  await expect(log.locator('[role=row] [role=cell]').first()).toBeVisible()
  await expect.poll(async () => Number(await log.locator('[role=row] .c-seq').first().innerText().catch(() => '0'))).toBeGreaterThan(total / 4)

  const heapMb = await page.evaluate(() => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 2 ** 20)
  const result = {
    transitions: total, first_frame_ms: firstFrameMs, step_median_ms: +median(steps).toFixed(1),
    step_max_ms: +Math.max(...steps).toFixed(1), scrub_fps: +fps.toFixed(1), heap_mb: +heapMb.toFixed(1),
  }
  console.log('renderer perf:', JSON.stringify(result))
  await info.attach('renderer-perf.json', { body: JSON.stringify(result, null, 2), contentType: 'application/json' })

  // Speed is measured by benchmarks (npm run bench:ui, docs/benchmarks.md), never gated by a
  // timed test: on a loaded 2-core machine the same build steps at 12 or at 120 ms. What this
  // test holds is that every interaction works on a million transitions, and a leak bound.
  expect(steps.length).toBe(40)
  expect(frames).toBeGreaterThan(0)
  expect(result.heap_mb).toBeLessThan(200)
})

/**
 * The browser viewer (`rootlab serve`) as a user meets it: the default session opens and shows
 * every vCPU; a recording started from the UI shows progress and opens when done. Accessible
 * names come from the renderer (VcpuCard: region "vCPU N"; PolicySwitch: "Re-run under",
 * progress "Recording progress").
 */
import { expect, test } from './helpers/lab'
import { recordChurn } from './helpers/views'

test('the default session opens and shows its 4 vCPUs', async ({ lab, page }) => {
  await lab.open()
  for (const id of [0, 1, 2, 3]) await expect(page.getByRole('region', { name: `vCPU ${id}`, exact: true })).toBeVisible()
  await expect(page.getByRole('region', { name: 'vCPU 4', exact: true })).toHaveCount(0)
})

test('the page asks for the catalog and the session of its address with that moment before the app\'s script has run, once each', async ({ lab, page }) => {
  await recordChurn(lab.serve, 'free-obsolete', 'boot.rootlab', 300)
  await page.goto(`${lab.serve.pageUrl('boot.rootlab')}&seq=25`)
  await expect(page.getByRole('region', { name: 'vCPU 0', exact: true })).toBeVisible()
  await expect(page.locator('#vcpus-title')).toContainText('at seq 25')
  // (a string: this project's Node tsconfig has no DOM types)
  const t = await page.evaluate(`(() => {
    const asked = (n) => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/api/' + n)).map((e) => e.startTime)
    return { app: performance.getEntriesByName('rootlab:app-evaluated')[0]?.startTime ?? null, catalog: asked('catalog'), open: asked('openSession'), state: asked('stateAt') }
  })()`) as { app: number | null; catalog: number[]; open: number[]; state: number[] }
  expect(t.app).not.toBeNull()
  // boot.ts (the built page's first script) sent them; the app took those answers
  expect(t.catalog).toHaveLength(1)
  expect(t.open).toHaveLength(1)
  expect(t.catalog[0]).toBeLessThan(t.app!)
  expect(t.open[0]).toBeLessThan(t.app!)
  // the moment shown came with the opening (openSession's `at`): no stateAt at all
  expect(t.state).toEqual([])
})

test('a recording started from the UI shows progress and opens when done', async ({ lab, page }) => {
  // A session long enough that re-recording it takes a visible moment.
  const started = await lab.serve.api<{ recording: string; out: string }>('startRecording', {
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 20_000, seed: 5 }, policy: 'free-obsolete', out: 'long.rootlab',
  })
  expect(started.ok).toBe(true)
  await expect.poll(async () => {
    const r = await lab.serve.api<{ open: { path: string; complete: boolean }[] }>('listSessions', {})
    return r.ok && r.value.open.some((s) => s.path.endsWith('long.rootlab') && s.complete)
  }, { timeout: 60_000 }).toBe(true)

  await lab.open({ file: 'long.rootlab' })
  await page.getByLabel('Re-run under').selectOption('reload-all')
  await page.getByRole('button', { name: 'Re-run and compare' }).click()
  await expect(page.getByRole('progressbar', { name: 'Recording progress' })).toBeVisible()
  // Done: the new recording is open, compared with the first (the renderer's compare tab).
  await expect(page.getByRole('table', { name: 'Stats and counters per policy' })).toBeVisible({ timeout: 60_000 })
  const list = await lab.serve.api<{ open: { policy: string; complete: boolean }[] }>('listSessions', {})
  expect(list.ok && list.value.open.some((s) => s.policy === 'reload-all' && s.complete)).toBe(true)
})

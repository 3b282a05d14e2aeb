/**
 * The browser viewer (`rootlab serve`) as a user meets it: the default session opens and shows
 * every vCPU; a recording started from the UI shows progress and opens when done. Accessible
 * names come from the renderer (VcpuCard: region "vCPU N"; PolicySwitch: "Re-run under",
 * progress "Recording progress").
 */
import { expect, test } from './helpers/lab'

test('the default session opens and shows its 4 vCPUs', async ({ lab, page }) => {
  await lab.open()
  for (const id of [0, 1, 2, 3]) await expect(page.getByRole('region', { name: `vCPU ${id}`, exact: true })).toBeVisible()
  await expect(page.getByRole('region', { name: 'vCPU 4', exact: true })).toHaveCount(0)
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

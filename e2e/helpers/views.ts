/**
 * Helpers shared by the specs of the debugger's views (lanes, compare, layout): recording a
 * session through the API, the accessibility check, and locators the specs share.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { expect, type LabServe } from './lab'

/** Records process-churn (4 vCPUs, `steps`, seed 1) under `policy` into `out` and waits until it is complete. */
export async function recordChurn(serve: LabServe, policy: string, out: string, steps = 2000): Promise<string> {
  const started = await serve.api('startRecording', {
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps, seed: 1 }, policy, out,
  })
  expect(started.ok, JSON.stringify(started)).toBe(true)
  await expect.poll(async () => {
    const r = await serve.api<{ open: { path: string; complete: boolean }[] }>('listSessions', {})
    return r.ok && r.value.open.some((s) => s.path.endsWith(out) && s.complete)
  }, { timeout: 60_000 }).toBe(true)
  return out
}

/** The id of the open session whose path ends with `name` (or the most recent one). */
export async function sessionId(serve: LabServe, name?: string): Promise<string> {
  const r = await serve.api<{ open: { session: string; path: string }[] }>('listSessions', {})
  if (!r.ok) throw new Error(r.error)
  const s = name ? r.value.open.find((x) => x.path.endsWith(name)) : r.value.open[0]
  if (!s) throw new Error(`no open session ${name ?? ''}`)
  return s.session
}

/** Fails with every serious or critical axe finding of the page (or of `include`). */
export async function expectAccessible(page: Page, where: string, include?: string): Promise<void> {
  let b = new AxeBuilder({ page })
  if (include) b = b.include(include)
  const r = await b.analyze()
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

export const seqBox = (page: Page): Locator => page.getByLabel('Go to seq')
export const vcpuCard = (page: Page, id: number): Locator => page.getByRole('region', { name: `vCPU ${id}`, exact: true })

/**
 * A session imported from a real kernel trace, as a KVM developer meets it: the kernel's events as
 * their own track on the timeline, and the inspector's "Kernel vs model" for the operation at the
 * cursor. The session is made by the built CLI from the shared worked-example trace
 * (`<repo>/../shared/data/kvm-traces`; skipped with the reason printed where it is absent).
 * Writes docs/screenshots/kernel-vs-model.png.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import Database from 'better-sqlite3'
import { expect, test, waitForIdle } from './helpers/lab'

const ROOT = resolve(import.meta.dirname, '..')
const TRACES = resolve(ROOT, '..', 'shared', 'data', 'kvm-traces')
const NAME = 'worked-example-zap-prev-root'
const SHOTS = join(ROOT, 'docs', 'screenshots')
const missing = existsSync(join(TRACES, `${NAME}.trace.txt`)) ? null : `shared traces not found at ${TRACES}`
if (missing) console.log(`skipping e2e/kernel-events.spec.ts: ${missing}`)

test.use({ viewport: { width: 1600, height: 1000 } })

/** The kernel lane's canvas (its accessible name is the session's kernel summary). */
const lane = (page: Page): Locator => page.getByRole('img', { name: /^Kernel track: / })
const kvm = (page: Page): Locator => page.getByRole('region', { name: 'Kernel vs model' })

/** A point on the kernel lane at seq `seq` (the timeline shows the whole session, 0..last). */
async function laneAt(page: Page, seq: number, last: number): Promise<{ x: number; y: number }> {
  const box = (await lane(page).boundingBox())!
  return { x: box.x + (seq / last) * box.width, y: box.y + box.height / 2 }
}

test.skip(missing !== null, missing ?? '')

/** `rootlab import` of the worked example with the built CLI into `out`. */
function importWorkedExample(out: string): void {
  execFileSync(process.execPath, [
    join(ROOT, 'bin', 'rootlab.js'), 'import', join(TRACES, `${NAME}.trace.txt`),
    '--script', join(TRACES, `${NAME}.script.json`), '--out', out,
  ], { stdio: 'pipe' })
}

test('an imported kernel trace: kernel track on the timeline, kernel vs model in the inspector', async ({ lab, page }) => {
  importWorkedExample(join(lab.serve.dir, 'we.rootlab'))
  await lab.open({ file: 'we.rootlab' })

  // The track: its legend, and the whole session's comparison as its accessible name.
  const timeline = page.getByRole('region', { name: 'Timeline' })
  await expect(timeline.locator('.kernel-legend')).toBeVisible()
  await expect(timeline.locator('.kernel-legend')).toContainText('kernel:')
  await expect(timeline.locator('.kernel-legend')).toContainText('agree')
  await expect(timeline.locator('.kernel-legend')).toContainText('host difference')
  await expect(timeline.locator('.kernel-legend')).toContainText('disagree')
  await expect(lane(page)).toBeVisible()
  await expect(lane(page)).toHaveAccessibleName(
    /^Kernel track: 18 kernel events from import of worked-example-zap-prev-root\.trace\.txt \(PVM.*\), 22 op groups: 22 agree, 0 host difference, 0 disagree$/,
  )
  const last = 136
  await expect(page.getByLabel('Go to seq')).toHaveValue('0')

  // Hover over the zap of the cached root C (model seq 121): its op group and classification.
  const at = await laneAt(page, 121, last)
  await page.mouse.move(at.x, at.y)
  await expect(page.getByTestId('kernel-track')).toContainText('kernel: 1 event · 1 agree · 0 host difference · 0 disagree')
  await expect(page.getByTestId('kernel-track')).toContainText('op 18: pt_write vcpu 1 gfn 0xc — agree (1 kernel / 1 model events)')

  // Click: the cursor goes to the model transition of that kernel event, in the op of the third pt_write.
  await page.mouse.click(at.x, at.y)
  await waitForIdle(page)
  await expect(page.getByLabel('Go to seq')).toHaveValue('121')
  const section = kvm(page)
  await expect(section).toBeVisible()
  await expect(section).toContainText('op 18: pt_write vcpu 1 gfn 0xc')
  await expect(section.getByTestId('kernel-classification')).toHaveText('agree')
  await expect(section).toContainText('The kernel\'s events equal the model\'s')

  const pair = section.getByRole('table', { name: 'Event 1 of 1: kernel vs model' })
  await expect(pair).toBeVisible()
  await expect(pair.getByRole('columnheader').nth(0)).toContainText('= agrees')
  await expect(pair.getByRole('columnheader').nth(1)).toContainText('kernel (trace line 76)')
  await expect(pair.getByRole('columnheader').nth(2)).toContainText('model (seq 121)')
  const row = (name: string): Locator => pair.locator('tbody tr', { has: page.locator(`th:text-is("${name}")`) })
  await expect(row('kind').locator('td')).toHaveText(['kvm_mmu_prepare_zap_page', 'kvm_mmu_prepare_zap_page'])
  await expect(row('gfn').locator('td')).toHaveText(['0xc', '0xc'])
  await expect(row('level').locator('td')).toHaveText(['4', '4'])
  await expect(row('gen').locator('td')).toHaveText(['0', '0'])
  await expect(row('root_count').locator('td')).toHaveText(['1', '1'])
  await expect(row('invalid').locator('td')).toHaveText(['false', 'false'])
  await expect(row('created').locator('td')).toHaveText(['—', '—'])
  await expect(pair.locator('tr.diff')).toHaveCount(0)

  // The first of the three writes, in another op group: neither side has a root-page event.
  await page.getByLabel('Go to seq').fill('112')
  await page.getByLabel('Go to seq').press('Enter')
  await waitForIdle(page)
  await expect(kvm(page)).toContainText('op 16: pt_write vcpu 1 gfn 0xc')
  await expect(kvm(page)).toContainText('Neither the kernel nor the model has a root-page event in this operation.')

  // Back to the zap, for the screenshot.
  await page.getByLabel('Go to seq').fill('121')
  await page.getByLabel('Go to seq').press('Enter')
  await waitForIdle(page)
  const shown = kvm(page).getByRole('table', { name: 'Event 1 of 1: kernel vs model' })
  await expect(shown).toBeVisible()
  await shown.scrollIntoViewIfNeeded()
  await page.mouse.move(0, 0)
  await page.screenshot({ path: join(SHOTS, 'kernel-vs-model.png') })
})

test('a disagreeing op: the differing field is marked and the group is classified disagree', async ({ lab, page }) => {
  // The real import, then the kernel's zap of op 18 edited as if the kernel had printed root_count 0
  // (what a model bug would look like): the comparator's classification, as the file stores it.
  const out = join(lab.serve.dir, 'we-disagree.rootlab')
  importWorkedExample(out)
  const db = new Database(out)
  db.prepare("UPDATE kernel_events SET root_count = 0, agreement = 'disagree', model_seq = NULL WHERE op_group = 18").run()
  db.prepare("UPDATE kernel_groups SET classification = 'disagree', first_diff = 0 WHERE op_group = 18").run()
  db.close()
  await lab.open({ file: 'we-disagree.rootlab' })
  await expect(lane(page)).toHaveAccessibleName(/21 agree, 0 host difference, 1 disagree$/)
  await page.getByLabel('Go to seq').fill('121')
  await page.getByLabel('Go to seq').press('Enter')
  await waitForIdle(page)
  const section = kvm(page)
  await expect(section.getByTestId('kernel-classification')).toHaveText('disagree')
  await expect(section).toContainText('no documented host difference explains it')
  const pair = section.getByRole('table', { name: 'Event 1 of 1: kernel vs model' })
  await expect(pair.getByRole('columnheader').nth(0)).toContainText('≠ differs')
  await expect(pair.locator('tr.diff')).toHaveCount(1)
  await expect(pair.locator('tr.diff th')).toHaveText('root_count')
  await expect(pair.locator('tr.diff td')).toHaveText(['0', '1 ≠'])

  // The kernel lane and the section pass the accessibility check (serious and critical rules).
  const r = await new AxeBuilder({ page }).include('[data-testid="kernel-track"]').include('section[aria-labelledby="kvm-title"]').analyze()
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
})

/**
 * File ▸ New Session… in the browser viewer (`rootlab serve`): the "New session…" button in the
 * session header opens a dialog that records a scenario or a script under a policy, shows the
 * recording's progress, and opens the new session when it is done. Names come from the renderer
 * (NewSessionDialog.vue: dialog "New session", progressbar "Recording progress").
 */
import { join, resolve } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test, waitForIdle } from './helpers/lab'

const SHOTS = resolve(import.meta.dirname, '..', 'docs', 'screenshots')

async function openNewSession(page: Page) {
  await page.getByRole('button', { name: 'New session…' }).click()
  const dialog = page.getByRole('dialog', { name: 'New session' })
  await expect(dialog).toBeVisible()
  return dialog
}

/** The value of one fact in the session header ("scenario", "policy", "vCPUs"...). */
function fact(page: Page, name: string) {
  return page.getByRole('banner', { name: 'Session' }).locator('.facts > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${name}$`) }) }).locator('dd')
}

test('a scenario recorded from the New session dialog shows progress and opens when done', async ({ lab, page }) => {
  await lab.open()
  const dialog = await openNewSession(page)
  await dialog.getByRole('radio', { name: 'Scenario' }).check()
  await dialog.getByRole('combobox', { name: 'Scenario' }).selectOption('context-switch')
  await dialog.getByLabel('vCPUs (1–64)').fill('3')
  await dialog.getByLabel('Steps (1–10,000,000)').fill('30000')
  await dialog.getByLabel('Seed (0–4,294,967,295)').fill('7')
  await dialog.getByRole('radio', { name: /^reload-all/ }).check()
  await dialog.getByLabel('Output file (optional)').fill('from-dialog.rootlab')
  await dialog.getByRole('button', { name: 'Record' }).click()

  await expect(dialog.getByRole('progressbar', { name: 'Recording progress' })).toBeVisible()
  await expect(dialog).toBeHidden({ timeout: 60_000 })
  await waitForIdle(page)
  await expect(fact(page, 'scenario')).toHaveText('context-switch')
  await expect(fact(page, 'policy')).toContainText('reload-all')
  await expect(fact(page, 'policy')).toContainText('v5.17')
  await expect(fact(page, 'vCPUs')).toHaveText('3')
  await expect(fact(page, 'seed')).toHaveText('7')
  await expect(fact(page, 'recording')).toHaveText('complete')
  await expect(fact(page, 'file')).toHaveText('from-dialog.rootlab')
  for (const id of [0, 1, 2]) await expect(page.getByRole('region', { name: `vCPU ${id}`, exact: true })).toBeVisible()
  await expect(page.getByRole('region', { name: 'vCPU 3', exact: true })).toHaveCount(0)
  // The URL now names the new file, so a reload shows it again.
  await expect.poll(() => decodeURIComponent(page.url())).toContain(join(lab.serve.dir, 'from-dialog.rootlab'))
})

test('the form names the field and its range when a value is out of range', async ({ lab, page }) => {
  await lab.open()
  const dialog = await openNewSession(page)
  await dialog.getByLabel('vCPUs (1–64)').fill('65')
  await dialog.getByLabel('Steps (1–10,000,000)').fill('0')
  await dialog.getByRole('button', { name: 'Record' }).click()
  const vcpus = dialog.getByLabel('vCPUs (1–64)')
  await expect(vcpus).toHaveAttribute('aria-invalid', 'true')
  await expect(vcpus).toHaveAccessibleDescription('vCPUs must be a whole number from 1 to 64, got "65".')
  await expect(dialog.getByText('Steps must be a whole number from 1 to 10,000,000, got "0".')).toBeVisible()
  await expect(vcpus).toBeFocused()
  await expect(dialog.getByRole('progressbar')).toHaveCount(0)
  // Esc closes the dialog; nothing was recorded.
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
})

test('a script with a misaligned pgd is refused with the op index and field', async ({ lab, page }) => {
  await lab.open()
  const before = await lab.serve.api<{ open: unknown[] }>('listSessions', {})
  const dialog = await openNewSession(page)
  await dialog.getByRole('radio', { name: 'Script (JSON)' }).check()
  const script = {
    vcpus: 1,
    ops: [{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'run', vcpu: 0 }, { op: 'run', vcpu: 0 }, { op: 'cr3', vcpu: 0, pgd: '0xb010' }],
  }
  await dialog.getByRole('textbox', { name: 'Script (JSON)' }).fill(JSON.stringify(script, null, 2))
  await dialog.getByLabel('Script name').fill('misaligned.json')
  await dialog.getByRole('button', { name: 'Record' }).click()
  const refusal = dialog.getByRole('alert')
  await expect(refusal).toContainText('op 3 (cr3): field "pgd" 0xb010 is not page aligned (4 KiB)')
  // The dialog stays open with the script, ready to be fixed; the session shown is unchanged.
  await expect(dialog).toBeVisible()
  await expect(fact(page, 'scenario')).toHaveText('process-churn')
  const after = await lab.serve.api<{ open: unknown[] }>('listSessions', {})
  expect(after.ok && before.ok && after.value.open.length).toBe(before.ok ? before.value.open.length : -1)
})

test('a script chosen as a JSON file is read and recorded', async ({ lab, page }) => {
  await lab.open()
  const dialog = await openNewSession(page)
  await dialog.getByRole('radio', { name: 'Script (JSON)' }).check()
  const script = { vcpus: 2, ops: [{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'run', vcpu: 0 }, { op: 'cr3', vcpu: 1, pgd: '0xb000' }, { op: 'run', vcpu: 1 }] }
  await dialog.getByLabel('Script file (.json)').setInputFiles({ name: 'two-vcpus.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(script)) })
  await expect(dialog.getByRole('status')).toContainText('Read two-vcpus.json')
  await expect(dialog.getByLabel('Script name')).toHaveValue('two-vcpus.json')
  await dialog.getByRole('radio', { name: /^free-obsolete-buggy/ }).check()
  await dialog.getByRole('button', { name: 'Record' }).click()
  await expect(dialog).toBeHidden({ timeout: 60_000 })
  await waitForIdle(page)
  await expect(fact(page, 'scenario')).toHaveText('two-vcpus.json')
  await expect(fact(page, 'policy')).toContainText('free-obsolete-buggy')
  await expect(fact(page, 'vCPUs')).toHaveText('2')
})

test('cancelling a long recording opens the incomplete session', async ({ lab, page }) => {
  await lab.open()
  const dialog = await openNewSession(page)
  await dialog.getByRole('combobox', { name: 'Scenario' }).selectOption('mixed')
  await dialog.getByLabel('vCPUs (1–64)').fill('8')
  await dialog.getByLabel('Steps (1–10,000,000)').fill('10000000')
  await dialog.getByRole('button', { name: 'Record' }).click()
  const bar = dialog.getByRole('progressbar', { name: 'Recording progress' })
  await expect(bar).toBeVisible()
  // Progress from the recordingProgress events: some operations and transitions done.
  await expect(dialog.getByText(/· [1-9][\d,]* ops · [1-9][\d,]* transitions/)).toBeVisible({ timeout: 30_000 })
  // Let the bar move a little for the screenshot (docs/screenshots/new-session.png).
  await expect(dialog.getByText(/^\s*([1-9]\d*|[1-9]\.\d|0\.[5-9])%/)).toBeVisible({ timeout: 30_000 })
  await page.screenshot({ path: join(SHOTS, 'new-session.png') })
  await dialog.getByRole('button', { name: 'Cancel recording' }).click()
  await expect(dialog).toBeHidden({ timeout: 30_000 })
  await waitForIdle(page)
  await expect(fact(page, 'scenario')).toHaveText('mixed')
  await expect(fact(page, 'vCPUs')).toHaveText('8')
  await expect(fact(page, 'recording')).toHaveText('incomplete')
  await expect(page.getByRole('status').filter({ hasText: 'Recording cancelled' })).toContainText('the session is incomplete')
  await expect(page.getByRole('region', { name: 'vCPU 7', exact: true })).toBeVisible()
})

test('the open New session dialog has no serious or critical accessibility violations', async ({ lab, page }) => {
  await lab.open()
  const dialog = await openNewSession(page)
  const check = async (where: string): Promise<void> => {
    const r = await new AxeBuilder({ page }).include('dialog[open]').analyze()
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(bad.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  }
  await check('scenario form')
  await dialog.getByLabel('Steps (1–10,000,000)').fill('')
  await dialog.getByRole('button', { name: 'Record' }).click()
  await expect(dialog.getByLabel('Steps (1–10,000,000)')).toHaveAttribute('aria-invalid', 'true')
  await check('scenario form with an error')
  await dialog.getByRole('radio', { name: 'Script (JSON)' }).check()
  await check('script form')
  // Keyboard: Tab reaches the controls and Esc closes.
  await page.keyboard.press('Escape')
  await expect(dialog).toBeHidden()
  await expect(page.getByRole('button', { name: 'New session…' })).toBeFocused()
})

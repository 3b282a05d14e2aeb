/**
 * The SQL console in Chromium through `rootlab serve`: a query over every transition whose seqs
 * jump the timeline, addresses in hex, the tables listed with their columns, the query kept
 * across a reload, a query that never returns stopped by Cancel (and at the deadline) while the
 * page keeps answering, no CSP violation when typing over a selection, and no serious or
 * critical accessibility finding.
 */
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { expect, test, waitForIdle } from './helpers/lab'

const HANG = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'

test.use({ viewport: { width: 1600, height: 1000 } })

/** Replaces the editor's text by typing (select all, then type over it). */
async function typeQuery(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'SQL query' }).click()
  await page.keyboard.press('Control+A')
  await page.keyboard.type(text)
}

async function openConsole(page: Page): Promise<void> {
  await page.getByRole('tab', { name: 'SQL console' }).click()
  await expect(page.getByRole('navigation', { name: 'Tables' })).toContainText('roots_at(seq)')
}

test('a query over every transition jumps the timeline to a row\'s seq, addresses in hex', async ({ lab, page }) => {
  const violations: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') violations.push(m.text())
  })
  await lab.open()
  await openConsole(page)
  const tables = page.getByRole('navigation', { name: 'Tables' })
  await expect(tables.locator('details[open] summary')).toContainText('transitions')
  await expect(tables).toContainText('root_count')
  await typeQuery(page, "SELECT seq, vcpu, kind, gfn, root_count FROM transitions WHERE kind = 'kvm_mmu_prepare_zap_page' AND root_count > 0 LIMIT 20")
  await page.keyboard.press('Control+Enter')
  await waitForIdle(page)
  const result = page.getByRole('table', { name: 'Query result' })
  await expect(result.locator('tbody tr')).toHaveCount(20)
  await expect(result.locator('tbody tr').first()).toContainText(/0x[0-9a-f]+/)
  await expect(page.getByRole('status').filter({ hasText: 'row(s)' })).toContainText('20 row(s)')
  const link = result.getByRole('button', { name: /^Jump to seq \d+$/ }).nth(3)
  const seq = (await link.textContent())!.trim()
  await link.click()
  await waitForIdle(page)
  await expect(page.getByLabel('Go to seq')).toHaveValue(seq)
  // Plain integers when hex is off.
  await page.getByLabel('hex addresses').uncheck()
  await expect(result.locator('tbody tr').first()).not.toContainText('0x')
  // No CSP violation was logged while typing over the selected text.
  expect(violations.filter((v) => /Content Security Policy|inline style/i.test(v))).toEqual([])
})

test('the query text survives a reload', async ({ lab, page }) => {
  await lab.open()
  await openConsole(page)
  await typeQuery(page, 'SELECT count(*) AS n FROM findings -- kept')
  await page.reload()
  await waitForIdle(page)
  await openConsole(page)
  await expect(page.getByRole('textbox', { name: 'SQL query' })).toHaveText('SELECT count(*) AS n FROM findings -- kept')
})

test('Cancel stops a query that never returns, and the deadline stops it too, while the page answers', async ({ lab, page }) => {
  await lab.open()
  await openConsole(page)
  await page.getByLabel('Deadline').selectOption({ label: '60.0 s' })
  await typeQuery(page, HANG)
  await page.getByRole('button', { name: 'Run query' }).click()
  await expect(page.getByRole('status').filter({ hasText: 'Running' })).toContainText(/Running… \d/)
  // The page keeps answering: step the cursor while the query runs.
  const seqBox = page.getByLabel('Go to seq')
  const before = Number(await seqBox.inputValue())
  await page.getByRole('button', { name: 'Step forward' }).click()
  await expect(seqBox).toHaveValue(String(before + 1))
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByRole('tabpanel').getByRole('alert')).toHaveText('the SQL query was cancelled')
  await expect(page.getByRole('button', { name: 'Run query' })).toBeVisible()
  // At the 2 s deadline.
  await page.getByLabel('Deadline').selectOption({ label: '2.0 s' })
  const t0 = Date.now()
  await page.getByRole('button', { name: 'Run query' }).click()
  await expect(page.getByRole('tabpanel').getByRole('alert')).toHaveText('the SQL query ran past its deadline of 2 s and was stopped', { timeout: 10_000 })
  expect(Date.now() - t0).toBeGreaterThanOrEqual(2000)
  // The next query runs at once on a fresh host.
  await typeQuery(page, 'SELECT seq FROM roots_at(10) LIMIT 1')
  await page.keyboard.press('Control+Enter')
  await waitForIdle(page)
  await expect(page.getByRole('table', { name: 'Query result' })).toContainText('seq')
})

test('the SQL console has no serious or critical accessibility violations', async ({ lab, page }) => {
  await lab.open()
  await openConsole(page)
  await page.getByRole('button', { name: 'Run query' }).click()
  await waitForIdle(page)
  const r = await new AxeBuilder({ page }).include('[role=tabpanel]').analyze()
  expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
})

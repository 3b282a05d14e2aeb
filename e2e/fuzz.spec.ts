/**
 * Fuzz reproducers in the debugger: `rootlab serve DIR/fail-1.rootlab` opens at the failure's
 * bookmark, and the Open dialog lists a fuzz folder's reproducers and opens one at its bookmark.
 * The folders are made by the built CLI (`rootlab fuzz`), as a user makes them.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { expect, startServe, test, waitForIdle } from './helpers/lab'

const ROOT = resolve(import.meta.dirname, '..')
const SHOTS = join(ROOT, 'docs', 'screenshots')

interface Summary { failures: { id: number; ops: number; first_seq: number; failure: string; session: string }[] }

/** `rootlab fuzz --policy free-obsolete-buggy` over 100 scripts of seed 1 into `out`; its summary. */
function fuzz(out: string): Summary {
  try {
    execFileSync(process.execPath, [join(ROOT, 'bin', 'rootlab.js'), 'fuzz', '--policy', 'free-obsolete-buggy', '--runs', '100', '--seed', '1', '--workers', '1', '--out', out], { stdio: 'pipe' })
  } catch (e) {
    // Exit status 1: something failed, which is what this run is for.
    if ((e as { status?: number }).status !== 1) throw e
  }
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary
}

const seqBox = (page: Page): Locator => page.getByLabel('Go to seq')

test('serving a fuzz reproducer opens the debugger at its bookmark, the first finding', async ({ page }) => {
  const tmp = mkdtempSync(join(tmpdir(), 'rootlab-e2e-fuzz-'))
  const s = fuzz(join(tmp, 'fz'))
  const first = s.failures[0]!
  const serve = await startServe([join(tmp, 'fz', first.session)])
  try {
    expect(new URL(serve.printed).searchParams.get('seq')).toBe(String(first.first_seq))
    await page.goto(serve.printed)
    await waitForIdle(page)
    await expect(seqBox(page)).toHaveValue(String(first.first_seq))
    await expect(page.getByRole('heading', { name: /Inspector/ })).toContainText(`seq ${first.first_seq}`)
    await page.getByRole('tab', { name: /Bookmarks/ }).click()
    await expect(page.getByRole('table', { name: 'Bookmarks' })).toContainText(first.failure)
  } finally {
    await serve.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
})

test("the Open dialog lists a fuzz folder's reproducers and opens one at its bookmark", async ({ lab, page }) => {
  const s = fuzz(join(lab.serve.dir, 'fz'))
  expect(s.failures.length).toBeGreaterThan(1)
  await lab.open()
  await page.getByRole('button', { name: 'Open…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Open a session' })
  await expect(dialog).toBeVisible()
  await dialog.getByLabel('Fuzz folder').fill('fz')
  await dialog.getByRole('button', { name: 'List reproducers' }).click()
  const list = dialog.getByRole('list', { name: 'Reproducers' })
  await expect(list.getByRole('listitem')).toHaveCount(s.failures.length)
  await expect(list.getByRole('listitem').first()).toContainText(s.failures[0]!.failure)
  const axe = await new AxeBuilder({ page }).include('dialog[open]').analyze()
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([])
  await page.screenshot({ path: join(SHOTS, 'fuzz-reproducers.png') })

  const second = s.failures[1]!
  await list.getByRole('button', { name: new RegExp(`^fail-${second.id} `) }).click()
  await expect(dialog).toBeHidden()
  await waitForIdle(page)
  await expect(page.getByRole('banner', { name: 'Session' })).toContainText(`fail-${second.id}.rootlab`)
  await expect(seqBox(page)).toHaveValue(String(second.first_seq))

  // A folder that is not a fuzz folder: one line in the dialog.
  await page.getByRole('button', { name: 'Open…' }).click()
  await dialog.getByLabel('Fuzz folder').fill('nowhere')
  await dialog.getByRole('button', { name: 'List reproducers' }).click()
  await expect(dialog.getByRole('alert')).toContainText('does not exist')
})

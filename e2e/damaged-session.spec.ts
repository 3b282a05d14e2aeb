/**
 * A damaged session is never shown as good (issue 9): in the debugger, moving into a chunk whose
 * bytes were changed shows a banner naming the file and the seq range, and the rest of the
 * session stays usable.
 */
import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { flipChunkByte } from '../electron/session/testing/damage'
import { expect, test, waitForIdle } from './helpers/lab'

test('a damaged chunk shows a banner naming the file and its seq range; the rest stays usable', async ({ lab, page }) => {
  const file = join(lab.serve.dir, 'damaged.rootlab')
  const bin = resolve(import.meta.dirname, '..', 'bin', 'rootlab.js')
  execFileSync(process.execPath, [bin, 'record', '--vcpus', '2', '--steps', '800', '--seed', '2', '--out', file])
  const d = flipChunkByte(file, 5000)
  await lab.open({ file: 'damaged.rootlab' })
  const goTo = async (seq: number): Promise<void> => {
    await page.getByLabel('Go to seq').fill(String(seq))
    await page.getByLabel('Go to seq').press('Enter')
    await waitForIdle(page)
  }
  await goTo(d.from + 3)
  const alert = page.getByRole('alert')
  await expect(alert).toContainText(`damaged.rootlab is damaged (transitions ${d.from} to ${d.to}: the checksum does not match)`)
  await page.getByRole('button', { name: 'Dismiss' }).click()
  await goTo(d.from - 1)
  await expect(page.getByRole('heading', { name: /vCPUs/ })).toContainText(`at seq ${d.from - 1}`)
  await expect(alert).toHaveCount(0)
})

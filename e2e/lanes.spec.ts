/**
 * The vCPU lanes under the timeline, as a KVM developer uses them: zoom to a root zap, see the
 * zapped root held as a zombie in its slot, hover to have it named, click to go where it began,
 * see a pending request from its kvm_make_all_cpus_request to its kvm_check_request, and the
 * cause chain drawn across the lanes. A session longer than the exact range is drawn from
 * summaries. Writes docs/screenshots/lanes.png.
 */
import { join, resolve } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { laneLayout, rowBox, type LaneRow } from '../renderer/src/lib/lanes-draw'
import { expect, test, waitForIdle, type LabServe } from './helpers/lab'
import { expectAccessible, recordChurn, seqBox, sessionId } from './helpers/views'

const SHOTS = resolve(import.meta.dirname, '..', 'docs', 'screenshots')

test.use({ viewport: { width: 1600, height: 1000 } })

const region = (page: Page): Locator => page.getByRole('region', { name: 'vCPU lanes' })
const canvas = (page: Page): Locator => page.getByTestId('lanes-canvas')
const tip = (page: Page): Locator => page.getByTestId('lanes-tip')

interface Lanes {
  from: number
  to: number
  mode: string
  vcpus: { slots: number[][]; requests: number[]; guest: number[] }[]
}

/** Shift+drag on the timeline from seq `a` to seq `b` (it shows the whole session, 0..last). */
async function zoomTimeline(page: Page, a: number, b: number, last: number): Promise<void> {
  const box = (await page.getByRole('slider', { name: 'Timeline cursor' }).locator('canvas').boundingBox())!
  const x = (s: number): number => box.x + (s / last) * box.width
  await page.keyboard.down('Shift')
  await page.mouse.move(x(a), box.y + 40)
  await page.mouse.down()
  await page.mouse.move(x(b), box.y + 40, { steps: 4 })
  await page.mouse.up()
  await page.keyboard.up('Shift')
  await waitForIdle(page)
}

/** The page point of `seq` on a lane row (the lanes show the range `from`..`to`). */
async function lanePoint(page: Page, row: LaneRow, seq: number): Promise<{ x: number; y: number }> {
  const c = canvas(page)
  const box = (await c.boundingBox())!
  const [from, to] = (await c.getAttribute('data-range'))!.split(':').map(Number) as [number, number]
  const layout = JSON.parse((await c.getAttribute('data-layout'))!) as ReturnType<typeof laneLayout>
  const r = rowBox(layout, row)
  return { x: box.x + ((seq - from) / (to - from)) * box.width, y: box.y + r.y + r.h / 2 }
}

/** The lanes the page shows, asked of the API with the same range and columns. */
async function lanesOf(page: Page, serve: LabServe, session: string): Promise<Lanes> {
  const c = canvas(page)
  const [from, to] = (await c.getAttribute('data-range'))!.split(':').map(Number) as [number, number]
  const columns = Math.floor((await c.boundingBox())!.width)
  const r = await serve.api<Lanes>('lanes', { session, from, to, columns })
  if (!r.ok) throw new Error(r.error)
  return r.value
}

/** The span of a flat lane (stride n) covering `seq`. */
function spanAt(lane: number[], n: number, seq: number): number[] {
  for (let i = 0; i < lane.length; i += n) if (lane[i]! <= seq && seq < lane[i + 1]!) return lane.slice(i, i + n)
  throw new Error(`no span at ${seq}`)
}

/** Pixels on a lane row that are not the background (something is drawn there). */
async function inkOnRow(page: Page, row: LaneRow): Promise<number> {
  const c = canvas(page)
  const layout = JSON.parse((await c.getAttribute('data-layout'))!) as ReturnType<typeof laneLayout>
  const r = rowBox(layout, row)
  return c.evaluate((el, y) => {
    const cv = el as HTMLCanvasElement
    const dpr = cv.width / cv.getBoundingClientRect().width
    const data = cv.getContext('2d')!.getImageData(0, Math.round(y * dpr), cv.width, 1).data
    const [r0, g0, b0] = [data[0], data[1], data[2]]
    let n = 0
    for (let i = 0; i < data.length; i += 4) if (data[i] !== r0 || data[i + 1] !== g0 || data[i + 2] !== b0) n++
    return n
  }, r.y + r.h / 2)
}

test('the lanes show a zapped root held as a zombie: hover names it, a click goes where it began', async ({ lab, page }) => {
  await lab.open()
  const sid = await sessionId(lab.serve)
  const info = await lab.serve.api<{ transitions: number; vcpus: number }>('sessionInfo', { session: sid })
  if (!info.ok) throw new Error(info.error)
  const last = info.value.transitions
  await expect(region(page)).toBeVisible()
  await expect(page.getByTestId('lanes-status')).toHaveText('every transition')
  for (let v = 0; v < info.value.vcpus; v++) {
    for (let slot = 0; slot < 4; slot++) expect(await inkOnRow(page, { kind: 'slot', vcpu: v, slot })).toBeGreaterThan(0)
  }

  // the first root zap: which vCPU slot holds the zapped root
  const zap = await lab.serve.api<{ seq: number; sp: number }>('findTransition', { session: sid, from: 0, direction: 'next', target: 'root_zap' })
  if (!zap.ok || !zap.value) throw new Error('no root zap in the default session')
  const z = zap.value
  const st = await lab.serve.api<{ vcpus: { id: number; root: { sp: number | null }; prev_roots: { sp: number | null }[] }[] }>('stateAt', { session: sid, seq: z.seq })
  if (!st.ok) throw new Error(st.error)
  const holder = st.value.vcpus.flatMap((v) => [v.root, ...v.prev_roots].map((s, slot) => ({ vcpu: v.id, slot, sp: s.sp }))).find((s) => s.sp === z.sp)!

  // zoom the timeline around it: the lanes follow, every transition its own span
  await zoomTimeline(page, Math.max(0, z.seq - 150), z.seq + 250, last)
  const range = (await page.getByRole('region', { name: 'Timeline' }).locator('.bar .mono').innerText()).replace(/[^0-9–]/g, '')
  const [from, to] = (await canvas(page).getAttribute('data-range'))!.split(':').map(Number) as [number, number]
  expect(range).toBe(`${from}–${to}`)
  expect(to - from).toBeLessThan(600)
  const lanes = await lanesOf(page, lab.serve, sid)
  expect(lanes.mode).toBe('exact')
  const zombie = spanAt(lanes.vcpus[holder.vcpu]!.slots[holder.slot]!, 4, z.seq)
  expect(zombie).toEqual([z.seq, zombie[1], 2, z.sp]) // from the zap on: state 2 = zombie, the zapped sp
  await expect(canvas(page)).toHaveAccessibleName(/zombie root span/)

  // hover: the lane, its sp, the state, the root's pgd
  const row: LaneRow = { kind: 'slot', vcpu: holder.vcpu, slot: holder.slot }
  const mid = Math.floor((zombie[0]! + Math.min(zombie[1]!, to)) / 2)
  const at = await lanePoint(page, row, mid + 0.5)
  await page.mouse.move(at.x, at.y)
  const slotName = holder.slot === 0 ? 'root' : `prev_roots[${holder.slot - 1}]`
  await expect(tip(page)).toContainText(`vCPU ${holder.vcpu} ${slotName}: sp ${z.sp}, zombie (zapped, still held), seq ${z.seq.toLocaleString('en-US')}`)
  await expect(tip(page)).toContainText(/root: pgd 0x[0-9a-f]+ \(gfn 0x[0-9a-f]+\)/)
  await expect(tip(page)).toContainText(`click: go to seq ${z.seq.toLocaleString('en-US')}, where this began`)
  await page.mouse.click(at.x, at.y)
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue(String(z.seq))
  await expect(page.locator('#inspector-title + .body .kind .k')).toHaveText('kvm_mmu_prepare_zap_page')
  // the card's slot that holds the hovered lane's sp is highlighted
  await page.mouse.move(at.x, at.y + 1)
  await expect(page.locator(`section[aria-label="vCPU ${holder.vcpu}"] [role=group][data-sp="${z.sp}"]`).first()).toHaveClass(/sp-hl/)

  // the cause chain of the zap, as arrows across the lanes (and in the canvas's accessible name)
  await expect(canvas(page)).toHaveAccessibleName(new RegExp(`the cause chain of seq ${z.seq}, \\d+ transitions back to \\w+`))

  // the request the zap made: a span from its kvm_make_all_cpus_request to the kvm_check_request
  const req = lanes.vcpus[holder.vcpu]!.requests
  let made: number[] | null = null
  for (let i = 0; i < req.length; i += 4) if (req[i]! > z.seq && req[i]! <= z.seq + 3 && !made) made = req.slice(i, i + 4)
  expect(made, 'a request span starting right after the zap').not.toBeNull()
  const rq = await lanePoint(page, { kind: 'requests', vcpu: holder.vcpu }, made![0]! + 1.5)
  await page.mouse.move(rq.x, rq.y)
  await expect(tip(page)).toContainText(new RegExp(`KVM_REQ_\\w+: made at seq ${made![0]!.toLocaleString('en-US')}, (taken at seq [0-9,]+ \\(kvm_check_request\\)|still pending at the end)`))
  await page.mouse.click(rq.x, rq.y)
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue(String(made![0]))
  await expect(page.locator('#inspector-title + .body .kind .k')).toHaveText('kvm_make_all_cpus_request')

  await page.mouse.move(0, 0)
  await expectAccessible(page, 'vCPU lanes', 'section[aria-label="vCPU lanes"]')
  // the lanes fold away, and come back
  await region(page).getByRole('button', { name: /vCPU lanes/ }).click()
  await expect(canvas(page)).toBeHidden()
  await region(page).getByRole('button', { name: /vCPU lanes/ }).click()
  await expect(canvas(page)).toBeVisible()
})

test('v5.18.0\'s zombie prev roots in the lanes, with the cause chain of the first finding (screenshot)', async ({ lab, page }) => {
  const file = await recordChurn(lab.serve, 'free-obsolete-buggy', 'lanes-buggy.rootlab')
  await lab.open({ file })
  const sid = await sessionId(lab.serve, file)
  const info = await lab.serve.api<{ transitions: number }>('sessionInfo', { session: sid })
  if (!info.ok) throw new Error(info.error)
  await page.getByRole('button', { name: 'Next finding' }).click()
  await waitForIdle(page)
  const seq = Number(await seqBox(page).inputValue())
  await zoomTimeline(page, Math.max(0, seq - 220), seq + 120, info.value.transitions)
  await expect(canvas(page)).toHaveAccessibleName(new RegExp(`the cause chain of seq ${seq}`))
  await page.mouse.move(0, 0)
  await waitForIdle(page)
  await page.screenshot({ path: join(SHOTS, 'lanes.png') })
})

test('a session longer than the exact range is drawn from summaries, and exactly once zoomed in', async ({ lab, page }) => {
  test.setTimeout(120_000)
  const file = await recordChurn(lab.serve, 'free-obsolete-buggy', 'lanes-long.rootlab', 6000)
  await lab.open({ file })
  const sid = await sessionId(lab.serve, file)
  const info = await lab.serve.api<{ transitions: number; vcpus: number }>('sessionInfo', { session: sid })
  if (!info.ok) throw new Error(info.error)
  expect(info.value.transitions).toBeGreaterThan(65_536)
  // waitForIdle waited for the summaries too
  await expect(page.getByTestId('lanes-status')).toHaveText('summaries of 256 transitions')
  await expect(canvas(page)).toHaveAccessibleName(/\(summarized\)/)
  for (let v = 0; v < info.value.vcpus; v++) expect(await inkOnRow(page, { kind: 'slot', vcpu: v, slot: 0 })).toBeGreaterThan(0)
  const lanes = await lanesOf(page, lab.serve, sid)
  expect(lanes.mode).toBe('summary')
  // a hover on a summary names what the column holds, a click goes to the seq under the pointer
  const at = await lanePoint(page, { kind: 'slot', vcpu: 0, slot: 0 }, Math.floor(info.value.transitions / 2))
  await page.mouse.move(at.x, at.y)
  await expect(tip(page)).toContainText(/vCPU 0 root: /)
  await page.mouse.click(at.x, at.y)
  await waitForIdle(page)
  expect(Math.abs(Number(await seqBox(page).inputValue()) - info.value.transitions / 2)).toBeLessThan(info.value.transitions / 100)
  await zoomTimeline(page, 20_000, 30_000, info.value.transitions)
  await expect(page.getByTestId('lanes-status')).toHaveText('every transition')
})

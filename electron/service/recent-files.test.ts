import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createRecentFiles } from './recent-files'

describe('recent sessions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rootlab-recent-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps the most recent first, without duplicates, bounded, across restarts', () => {
    const file = join(dir, 'recent.json')
    const r = createRecentFiles(file, 3)
    for (const p of ['/a', '/b', '/c', '/a', '/d']) r.add(p)
    expect(r.list()).toEqual(['/d', '/a', '/c'])
    expect(createRecentFiles(file, 3).list()).toEqual(['/d', '/a', '/c'])
    r.remove('/a')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(['/d', '/c'])
  })

  it('treats a damaged file as an empty list', () => {
    const file = join(dir, 'broken.json')
    writeFileSync(file, '{not json')
    expect(createRecentFiles(file).list()).toEqual([])
  })
})

/**
 * Input files are read bounded: only regular files (a device or a pipe is refused at once, a
 * pipe without a writer does not block), scripts up to the size limit, traces line by line in
 * chunks with over-long lines skipped. Real files, a real FIFO.
 */
import { spawnSync } from 'node:child_process'
import { closeSync, ftruncateSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../session/testing/fixtures'
import { readInputLines, readInputText, readScriptFile, type InputLine } from './input-file'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const lines = (path: string, maxLineBytes = 100): InputLine[] => [...readInputLines(path, 'trace', { maxLineBytes })]

describe('input files', () => {
  it('refuses what is not a regular file, naming what it is', () => {
    expect(() => readScriptFile('/dev/zero')).toThrow('/dev/zero is a character device, not a script file')
    mkdirSync(tmp.file('dir'))
    expect(() => readScriptFile(tmp.file('dir'))).toThrow(/dir is a directory, not a script file/)
    expect(spawnSync('mkfifo', [tmp.file('fifo')]).status).toBe(0)
    // No writer: opening must neither block nor wait.
    expect(() => readScriptFile(tmp.file('fifo'))).toThrow(/fifo is a named pipe, not a script file/)
    expect(() => [...readInputLines(tmp.file('fifo'), 'trace', { maxLineBytes: 10 })]).toThrow(/fifo is a named pipe, not a trace file/)
    expect(() => readScriptFile(tmp.file('none.json'))).toThrow(/none\.json does not exist/)
  })

  it('refuses a script over the limit before reading it', () => {
    const fd = openSync(tmp.file('big.json'), 'w')
    ftruncateSync(fd, 50_000_001)
    closeSync(fd)
    expect(() => readScriptFile(tmp.file('big.json'))).toThrow(/big\.json is 50,000,001 bytes: a script file may be at most 50,000,000 bytes \(50 MB\)/)
    writeFileSync(tmp.file('small.json'), '{"vcpus": 1}')
    expect(readInputText(tmp.file('small.json'), 'script', 12)).toBe('{"vcpus": 1}')
    expect(() => readInputText(tmp.file('small.json'), 'script', 11)).toThrow(/small\.json is 12 bytes: a script file may be at most 11 bytes \(11 bytes\)/)
  })

  it('reads lines across chunk boundaries, CRLF or LF, with or without a last newline', () => {
    const text = Array.from({ length: 300_000 }, (_, i) => `line ${i}${i % 3 ? '\r' : ''}`).join('\n')
    writeFileSync(tmp.file('t.txt'), text)
    const got = lines(tmp.file('t.txt'))
    expect(got).toHaveLength(300_000)
    expect(got.every((l, i) => l.text === `line ${i}`)).toBe(true)
    writeFileSync(tmp.file('t2.txt'), 'a\n\nb\n')
    expect(lines(tmp.file('t2.txt')).map((l) => l.text)).toEqual(['a', '', 'b'])
  })

  it('skips a line longer than the limit and reports its length, also one of 20 MB across chunks', () => {
    writeFileSync(tmp.file('long.txt'), `short\n${'x'.repeat(20_000_000)}\nafter\n${'y'.repeat(150)}`)
    expect(lines(tmp.file('long.txt'))).toEqual([
      { text: 'short', tooLong: null }, { text: null, tooLong: 20_000_000 }, { text: 'after', tooLong: null }, { text: null, tooLong: 150 },
    ])
  })
})

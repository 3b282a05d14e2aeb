import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowListPolicy, isInside, rootFolderPolicy } from './path-policy'

describe('path policies', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rootlab-paths-'))
    mkdirSync(join(dir, 'root', 'sub'), { recursive: true })
    mkdirSync(join(dir, 'user', 'recordings'), { recursive: true })
    writeFileSync(join(dir, 'root', 'a.rootlab'), 'x')
    writeFileSync(join(dir, 'outside.rootlab'), 'x')
    symlinkSync(join(dir, 'outside.rootlab'), join(dir, 'root', 'link.rootlab'))
    symlinkSync(dir, join(dir, 'root', 'up'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('isInside is about path segments, not string prefixes', () => {
    expect(isInside('/a/b', '/a/b/c')).toBe(true)
    expect(isInside('/a/b', '/a/b')).toBe(true)
    expect(isInside('/a/b', '/a/bc')).toBe(false)
    expect(isInside('/a/b', '/a/b/..c')).toBe(true)
    expect(isInside('/a/b', '/a')).toBe(false)
  })

  it('serve: reads files under the folder, relative or absolute, and nothing outside', () => {
    const p = rootFolderPolicy(join(dir, 'root'))
    expect(p.readable('a.rootlab')).toBe(join(dir, 'root', 'a.rootlab'))
    expect(p.readable(join(dir, 'root', 'a.rootlab'))).toBe(join(dir, 'root', 'a.rootlab'))
    expect(() => p.readable('../outside.rootlab')).toThrow(/outside the folder/)
    expect(() => p.readable('missing.rootlab')).toThrow(/does not exist/)
  })

  it('serve: a symbolic link cannot lead out of the folder', () => {
    const p = rootFolderPolicy(join(dir, 'root'))
    expect(() => p.readable('link.rootlab')).toThrow(/outside the folder/)
    expect(() => p.readable('up/outside.rootlab')).toThrow(/outside the folder/)
    expect(() => p.writable('up/new.rootlab')).toThrow(/outside the folder/)
  })

  it('serve: creates new files only, never overwrites', () => {
    const p = rootFolderPolicy(join(dir, 'root'))
    expect(p.writable('sub/new.rootlab')).toBe(join(dir, 'root', 'sub', 'new.rootlab'))
    expect(() => p.writable('a.rootlab')).toThrow(/already exists/)
    expect(() => p.writable('.')).toThrow(/outside the folder/)
  })

  it('serve: the FILE argument is readable even outside the folder', () => {
    const p = rootFolderPolicy(join(dir, 'root'), [join(dir, 'outside.rootlab')])
    expect(p.readable(join(dir, 'outside.rootlab'))).toBe(join(dir, 'outside.rootlab'))
  })

  it('Electron: dialog-chosen, recent and userData files only', () => {
    const recent = new Set<string>()
    const p = allowListPolicy({ userData: join(dir, 'user'), recordingsDir: join(dir, 'user', 'recordings'), isRecent: (x) => recent.has(x) })
    expect(() => p.readable(join(dir, 'root', 'a.rootlab'))).toThrow(/not chosen in an Open dialog/)
    p.allow(join(dir, 'root', 'a.rootlab'), 'read')
    expect(p.readable(join(dir, 'root', 'a.rootlab'))).toBe(join(dir, 'root', 'a.rootlab'))
    recent.add(join(dir, 'outside.rootlab'))
    expect(p.readable(join(dir, 'outside.rootlab'))).toBe(join(dir, 'outside.rootlab'))
    expect(p.writable('new.rootlab')).toBe(join(dir, 'user', 'recordings', 'new.rootlab'))
    expect(() => p.writable(join(dir, 'root', 'b.json'))).toThrow(/not chosen in a Save dialog/)
    p.allow(join(dir, 'root', 'a.rootlab'), 'write')
    expect(p.writable(join(dir, 'root', 'a.rootlab'))).toBe(join(dir, 'root', 'a.rootlab'))
  })

  it('serve: never writes through a symbolic link at the target, dangling or not', () => {
    const p = rootFolderPolicy(join(dir, 'root'))
    // A dangling link inside the folder that points outside it: before, writable() resolved it as
    // "a new file in the folder" and the export wrote outside.
    symlinkSync(join(dir, 'escaped.rootlab'), join(dir, 'root', 'dangling.rootlab'))
    expect(() => p.writable('dangling.rootlab')).toThrow(/dangling\.rootlab is a symbolic link \(to nothing\); choose a regular file/)
    symlinkSync(join(dir, 'root', 'sub', 'inside-target.rootlab'), join(dir, 'root', 'dangling-in.rootlab'))
    expect(() => p.writable('dangling-in.rootlab')).toThrow(/is a symbolic link \(to nothing\)/)
    expect(() => p.writable('link.rootlab')).toThrow(/outside the folder|symbolic link/)
    expect(existsSync(join(dir, 'escaped.rootlab'))).toBe(false)
  })

  it('serve: resolves the real path of the parent folder, and refuses a dangling folder link', () => {
    const p = rootFolderPolicy(join(dir, 'root'))
    symlinkSync(join(dir, 'nowhere'), join(dir, 'root', 'gone'))
    expect(() => p.writable('gone/new.rootlab')).toThrow(/gone is a symbolic link to a place that does not exist/)
    expect(() => p.writable('gone/deeper/new.rootlab')).toThrow(/gone is a symbolic link to a place that does not exist/)
    expect(() => p.writable('up/root/x.rootlab')).not.toThrow() // a link to an ancestor that leads back in
    expect(p.writable('up/root/x.rootlab')).toBe(join(dir, 'root', 'x.rootlab'))
    expect(p.writable('new-dir/deeper/x.rootlab')).toBe(join(dir, 'root', 'new-dir', 'deeper', 'x.rootlab'))
  })

  it('both: refuse NUL bytes and control characters in any path', () => {
    const serve = rootFolderPolicy(join(dir, 'root'))
    const app = allowListPolicy({ userData: join(dir, 'user'), recordingsDir: join(dir, 'user', 'recordings'), isRecent: () => true })
    for (const bad of ['a.rootlab\u0000.txt', 'new\nline.rootlab', '\u001b]0;title\u0007.rootlab', 'x\u009b.rootlab', 'tab\there']) {
      for (const f of [() => serve.readable(bad), () => serve.writable(bad), () => app.readable(bad), () => app.writable(bad)]) {
        expect(f).toThrow(/^a path may not contain control characters or NUL bytes \(got ".*\\(u00[0-9a-f]{2}|n|t).*"\)$/)
      }
    }
  })
})

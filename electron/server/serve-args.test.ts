import { describe, expect, it } from 'vitest'
import { parseServeArgs } from './serve-args'

describe('rootlab serve arguments', () => {
  it('takes a FILE and a port', () => {
    expect(parseServeArgs(['run.rootlab', '--port', '8080'])).toEqual({ file: 'run.rootlab', port: 8080, help: false, sqlTimeoutMs: null })
    expect(parseServeArgs(['--port=0'])).toEqual({ file: null, port: 0, help: false, sqlTimeoutMs: null })
  })

  it('refuses --host: the viewer is loopback only', () => {
    expect(() => parseServeArgs(['--host', '0.0.0.0'])).toThrow(/--host is not supported; the viewer listens on 127.0.0.1 only/)
    expect(() => parseServeArgs(['--host=::'])).toThrow(/127.0.0.1 only/)
  })

  it('refuses a bad port, an unknown option and a second FILE, each in one line', () => {
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(/not a port number/)
    expect(() => parseServeArgs(['--port'])).toThrow(/needs a number/)
    expect(() => parseServeArgs(['--verbose'])).toThrow(/unknown option --verbose/)
    expect(() => parseServeArgs(['a', 'b'])).toThrow(/one FILE at most/)
  })

  it('takes the SQL console deadline in seconds', () => {
    expect(parseServeArgs(['--sql-timeout', '30']).sqlTimeoutMs).toBe(30_000)
    expect(parseServeArgs(['--sql-timeout=0.5']).sqlTimeoutMs).toBe(500)
    expect(() => parseServeArgs(['--sql-timeout', 'forever'])).toThrow(/--sql-timeout needs seconds from 0.001 to 600/)
    expect(() => parseServeArgs(['--sql-timeout', '601'])).toThrow(/--sql-timeout needs seconds/)
  })
})

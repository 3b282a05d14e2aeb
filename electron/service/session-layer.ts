/**
 * The real session layer, seen through the port the service is written against. If the session
 * layer's API drifts from session-port.ts, this assignment is the one place that fails to compile.
 */
import * as session from '../session/index'
import type { SessionLayer } from './session-port'

export const sessionLayer: SessionLayer = {
  recordSession: (opts) => session.recordSession(opts),
  openSession: (path, opts) => session.openSession(path, opts),
  compareSessions: (a, b) => session.compareSessions(a as never, b as never),
}

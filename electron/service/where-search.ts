/**
 * The search of a watch's condition (`where`) in the SQL engine's own process (electron/sqlhost):
 * the first seq after / before a seq where an SQL expression over `transitions` holds. The
 * caller's thread never waits on SQLite; a search is stopped by killing its host (cancel()).
 * The search may run as long as the user lets it (the longest deadline the hosts allow): a
 * continue shows its progress and is cancelled by the user, not by a clock.
 */
import type { WhereStarter } from '../session/watch-find'
import { SQL_MAX_TIMEOUT_MS, type SqlHosts } from '../sqlhost/types'

/** Starts `where` searches of the session file at `path` on the hosts' `find` lane. */
export function hostWhereStarter(sql: SqlHosts, path: string): WhereStarter {
  return (expr, from, backward) => {
    const stop = new AbortController()
    let at = from
    const result = sql.findWhere({
      path, where: expr, from, backward, lane: 'find', timeoutMs: SQL_MAX_TIMEOUT_MS, signal: stop.signal,
      onProgress: (p) => { at = p.at },
    }).then((r) => r.seq)
    return { result, at: () => at, cancel: () => stop.abort() }
  }
}

/** A one-line progress bar on stderr (only on a terminal). */
import type { Io } from './io'

export class ProgressBar {
  private last = ''
  constructor(private readonly io: Io, private readonly label: string) {}

  update(fraction: number, detail: string): void {
    const width = 30
    const f = Math.max(0, Math.min(1, fraction))
    const filled = Math.round(f * width)
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  ${detail}`
    if (line === this.last) return
    this.last = line
    this.io.err(`\r${line}\x1b[K`)
  }

  done(): void {
    if (this.last) this.io.err('\r\x1b[K')
  }
}

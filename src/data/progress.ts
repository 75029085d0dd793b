// A progress display for long loops (data generation, training epochs): a bar
// redrawn in place when the stream is a terminal, otherwise one line every 10%
// so logs stay readable.

export interface ProgressOptions {
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** Bar width in characters. Default 30. */
  barWidth?: number;
  /** Minimum milliseconds between redraws on a terminal. Default 100. */
  redrawMs?: number;
  /** Steps done before this display started (a resumed run): counted, but not in the rate behind the eta. */
  alreadyDone?: number;
}

export interface Progress {
  /** Advance by `steps` (default 1); `detail` is shown after the counts (e.g. "loss 0.42"). */
  tick(steps?: number, detail?: string): void;
  /** Ends the display with a final line (total time). */
  done(detail?: string): void;
}

export function createProgress(label: string, total: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const barWidth = options.barWidth ?? 30;
  const redrawMs = options.redrawMs ?? 100;
  const start = Date.now();
  const before = options.alreadyDone ?? 0;
  let count = before;
  let lastDraw = 0;
  let lastDecile = total > 0 ? Math.floor((10 * Math.min(before, total)) / total) : 0;
  let finished = false;

  const line = (detail: string | undefined): string => {
    const fraction = total > 0 ? Math.min(1, count / total) : 1;
    const seconds = (Date.now() - start) / 1000;
    const eta = count > before && count < total ? ` eta ${formatSeconds((seconds / (count - before)) * (total - count))}` : '';
    const bar = tty ? ` [${'#'.repeat(Math.round(fraction * barWidth)).padEnd(barWidth, '.')}]` : '';
    return `${label}${bar} ${count}/${total} (${Math.floor(fraction * 100)}%) ${formatSeconds(seconds)}${eta}${detail ? ` ${detail}` : ''}`;
  };

  return {
    tick(steps = 1, detail?: string) {
      if (finished) return;
      count += steps;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw >= redrawMs || count >= total) {
          lastDraw = now;
          stream.write(`\r${line(detail)}\x1b[K`);
        }
        return;
      }
      const decile = total > 0 ? Math.floor((10 * Math.min(count, total)) / total) : 10;
      // The 100% line is done()'s.
      if (decile > lastDecile && decile < 10) {
        lastDecile = decile;
        stream.write(`${line(detail)}\n`);
      }
    },
    done(detail?: string) {
      if (finished) return;
      finished = true;
      stream.write(`${tty ? '\r' : ''}${line(detail)} done${tty ? '\x1b[K' : ''}\n`);
    },
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

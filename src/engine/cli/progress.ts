/** A terminal progress line for tile loops: done/total, rate, ETA; plain lines when not a TTY. */
export interface ProgressBar {
  update(done: number, total: number): void;
  finish(): void;
}

export function progressBar(stream: NodeJS.WriteStream, label = 'tiles'): ProgressBar {
  const start = Date.now();
  const tty = Boolean(stream.isTTY);
  let lastPct = -1;
  let drawn = false;
  return {
    update(done, total) {
      const secs = (Date.now() - start) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : NaN;
      const text = `${done}/${total} ${label}  ${rate.toFixed(2)}/s  ETA ${Number.isFinite(eta) ? `${Math.round(eta)} s` : '?'}`;
      if (tty) {
        const width = 24;
        const fill = total > 0 ? Math.round((done / total) * width) : 0;
        stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${text}\x1b[K`);
        drawn = true;
      } else {
        const pct = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (pct !== lastPct && (done > 0 || total === 0)) {
          stream.write(`${text}\n`);
          lastPct = pct;
        }
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n');
    },
  };
}

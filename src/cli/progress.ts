/**
 * Progress and summary lines on stderr. Progress redraws one line at most every 200 ms,
 * and only when stderr is a TTY and --quiet was not given; the final summary line is
 * always printed unless --quiet.
 */
export class Reporter {
  private last = 0;
  private drawn = false;
  constructor(
    private readonly quiet: boolean,
    private readonly tty: boolean = Boolean(process.stderr.isTTY),
  ) {}

  progress(text: string): void {
    if (this.quiet || !this.tty) return;
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    process.stderr.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  /** A new stage of a long run: drawn at once (progress() may skip updates). */
  stage(text: string): void {
    if (this.quiet || !this.tty) return;
    this.last = Date.now();
    process.stderr.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  /** Clears the progress line. */
  done(): void {
    if (this.drawn) process.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** A line that always matters (summary, warnings), unless --quiet. */
  info(text: string): void {
    this.done();
    if (!this.quiet) process.stderr.write(`${text}\n`);
  }
}

export { humanCount } from '../util/human-count.js';

/**
 * Text for one markdown table cell. A "|" in a name (a client id "a|b" in
 * "rate_mape@client:a|b", a file x|y.json) split its cell and shifted the row's columns; a
 * line break ended the row (found by review).
 */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r\n|[\r\n]/g, ' ');
}

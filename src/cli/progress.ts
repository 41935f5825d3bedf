/** Between two progress lines when stderr is not a TTY (a log file, a CI job's output). */
export const PLAIN_PROGRESS_MS = 60_000;

/** `run --quiet`: the stages' reporters are quiet (their results on stdout are not). */
let stagesQuiet = false;

/**
 * Makes every Reporter made until it is turned off quiet, as if each command had --quiet for
 * its stderr only. `run --quiet` appended --quiet to each stage, which for fidelity-table (and
 * capacity with --json) also hides the table on stdout: `run batch-fidelity.json --quiet >
 * table.md` wrote an empty file (found by a batch-job audit).
 */
export function quietStages(on: boolean): void {
  stagesQuiet = on;
}

/** Reporters with a plain progress timer running (stopped when the command ends). */
const beating = new Set<Reporter>();

/** Stops every reporter's plain progress timer (main(), when a command ends). */
export function stopProgress(): void {
  for (const r of beating) r.stop();
}

/**
 * Progress and summary lines on stderr. Progress redraws one line at most every 200 ms when
 * stderr is a TTY; otherwise (a log file, a CI job) it is a plain line once a minute, with
 * the time since the run started, none in a run that ends sooner. --quiet silences both. The
 * final summary line is always printed unless --quiet.
 */
export class Reporter {
  private last = 0;
  private drawn = false;
  private readonly started = Date.now();
  /** Without a TTY: the latest progress text (undefined after a summary line), and the timer. */
  private latest: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly quiet: boolean;
  constructor(
    quiet: boolean,
    // A dumb terminal (TERM=dumb: Emacs' shell, some CI consoles) shows the redraw's escape
    // sequence as text, `^[[2K` before every update: it gets the plain lines.
    private readonly tty: boolean = Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb',
  ) {
    this.quiet = quiet || stagesQuiet;
  }

  /**
   * Without a TTY a long run said nothing between its summary lines: a 12-minute roundtrip was
   * silent for minutes in a CI log, and CI services stop a job that is quiet for 10 minutes
   * (found by a batch-job audit). A timer, not the calls: a phase on worker threads makes none.
   */
  private plain(text: string): void {
    this.latest = text;
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      process.stderr.write(`${this.latest ?? 'still running'} (${Math.round((Date.now() - this.started) / 1000)} s)\n`);
    }, PLAIN_PROGRESS_MS);
    this.timer.unref();
    beating.add(this);
  }

  /** Stops the plain progress timer. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    beating.delete(this);
  }

  progress(text: string): void {
    if (this.quiet) return;
    if (!this.tty) return this.plain(text);
    const now = Date.now();
    if (now - this.last < 200) return;
    this.last = now;
    process.stderr.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  /** A new stage of a long run: drawn at once (progress() may skip updates). */
  stage(text: string): void {
    if (this.quiet) return;
    if (!this.tty) return this.plain(text);
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
    this.latest = undefined;
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

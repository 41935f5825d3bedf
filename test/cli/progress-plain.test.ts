import { afterEach, describe, expect, it, vi } from 'vitest';
import { PLAIN_PROGRESS_MS, Reporter, stopProgress } from '../../src/cli/progress.js';

describe('progress when stderr is not a TTY (a log file, a CI job)', () => {
  afterEach(() => {
    stopProgress();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('a plain line a minute with the time since the start, no carriage returns (a long run was silent for minutes; found by a batch-job audit)', () => {
    vi.useFakeTimers();
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    const rep = new Reporter(false, false);
    rep.progress('ingest: 1.2M rows (log.csv)');
    rep.stage('validate: summarizing 3.1M rows');
    vi.advanceTimersByTime(PLAIN_PROGRESS_MS - 1);
    expect(err).toBe(''); // a run shorter than a minute prints no progress
    vi.advanceTimersByTime(1);
    expect(err).toBe('validate: summarizing 3.1M rows (60 s)\n');
    rep.info('PASS: 41/41 metrics');
    vi.advanceTimersByTime(PLAIN_PROGRESS_MS);
    expect(err).toBe('validate: summarizing 3.1M rows (60 s)\nPASS: 41/41 metrics\nstill running (120 s)\n');
    stopProgress(); // main() does, when the command ends
    vi.advanceTimersByTime(10 * PLAIN_PROGRESS_MS);
    expect(err).not.toContain('\r');
    expect(err.split('\n')).toHaveLength(4);
    // --quiet: nothing.
    err = '';
    const quiet = new Reporter(true, false);
    quiet.stage('fit');
    vi.advanceTimersByTime(3 * PLAIN_PROGRESS_MS);
    expect(err).toBe('');
  });
});

describe('progress on a dumb terminal', () => {
  afterEach(() => {
    stopProgress();
    vi.unstubAllEnvs();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('TERM=dumb gets the plain lines, not the redraw\'s escape sequences (found by a batch-job audit)', () => {
    vi.useFakeTimers();
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
    const isTTY = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    try {
      vi.stubEnv('TERM', 'xterm');
      new Reporter(false).stage('fit: 1/2 clients');
      expect(err).toBe('\r\x1b[2Kfit: 1/2 clients');
      err = '';
      vi.stubEnv('TERM', 'dumb');
      new Reporter(false).stage('fit: 1/2 clients');
      vi.advanceTimersByTime(PLAIN_PROGRESS_MS);
      expect(err).toBe('fit: 1/2 clients (60 s)\n');
    } finally {
      if (isTTY) Object.defineProperty(process.stderr, 'isTTY', isTTY);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
  });
});

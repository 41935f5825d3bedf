/**
 * A seeded request log (CSV, seconds with 6 decimals) where ArrivalSummary.clusters matter,
 * for checking that every engine counts them as the TypeScript builder does:
 * - `fan`: bursts of FAN_SIZE requests ~0.4 ms apart (exponential, whole µs) every 300 s; one
 *   burst starts 5 ms before the 1200 s window boundary (the boundary cuts its run in two), one has three gaps of exactly 0 inside, one starts with three requests at one time;
 * - `poisson`: 1 request/s (whole µs), its first request the log's first (the origin), with one
 *   pair at one time;
 * - `ms`: a 1 ms clock, pairs of requests exactly 1 ms apart and pairs exactly 10 ms apart
 *   (a gap of exactly a threshold continues no run: round(gap / res) < τ / res).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/stats/rng.js';

export const CLUSTER_LOG_MAPPING = { columns: { timestamp: 't', client_id: 'c', input_tokens: 'i', output_tokens: 'o' }, timestamp: { unit: 's' } };
export const FAN_SIZE = 50;
/** Fan-out bursts: at 10 s + 300 s·k from the origin, the 5th (k = 4) at 1199.995 s instead. */
export const FAN_BURSTS = 12;
/** `ms` pairs 1 ms apart (at 100 s + 120 s·j) and 10 ms apart (at 160 s + 120 s·j). */
export const MS_PAIRS = 5;

const T0 = 1_700_000_000;

/** Writes the log into `dir`; returns its path. */
export function writeClusterLog(dir: string): string {
  const rng = createRng('cluster-log');
  const rows: [number, string][] = []; // (µs from T0, client)
  // Gaps of ~mean µs, exponential, whole µs.
  const expUs = (mean: number) => Math.round(-Math.log(rng.nextOpen()) * mean);
  for (let k = 0; k < FAN_BURSTS; k++) {
    let us = k === 4 ? 1_199_995_000 : (10 + 300 * k) * 1e6;
    for (let j = 0; j < FAN_SIZE; j++) {
      if (j > 0) us += (k === 2 && j >= 10 && j < 13) || (k === 6 && j <= 2) ? 0 : expUs(400);
      rows.push([us, 'fan']);
    }
  }
  for (let us = 0; us < 3600e6; us += expUs(1e6)) {
    rows.push([us, 'poisson']);
    if (rows.length === FAN_BURSTS * FAN_SIZE + 100) rows.push([us, 'poisson']);
  }
  for (let j = 0; j < MS_PAIRS; j++) {
    for (const [at, gap] of [[100 + 120 * j, 1], [160 + 120 * j, 10]]) rows.push([at * 1e6, 'ms'], [at * 1e6 + gap * 1000, 'ms']);
  }
  rows.sort((a, b) => a[0] - b[0]);
  const text = (us: number) => `${T0 + Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  const file = join(dir, 'clusters.csv');
  writeFileSync(file, ['t,c,i,o', ...rows.map(([us, c], n) => `${text(us)},${c},${10 + (n % 13)},${5 + (n % 7)}`)].join('\n') + '\n');
  return file;
}

/**
 * Timestamp sets on which the script's clock-resolution detection (resolutionSql) is checked
 * against detectResolution, and the values it must give. Each set reaches one branch or edge
 * of detectResolution: every quantum, continuous times, bucketing (and the three ways it is
 * refused), fewer than 3 rows, the 99.9 % threshold, the every-⌊n / 100 000⌋-th sample, the
 * earliest-200 000 cut (rows given out of order), times before the origin, epoch seconds.
 */
import { createRng } from '../../src/stats/rng.js';
import { detectResolution, RESOLUTION_SAMPLE } from '../../src/summary/resolution.js';
import { CLUSTER_GAPS, clusterTicks } from '../../src/summary/types.js';

export interface ResolutionCase {
  name: string;
  /** Times in the order the table holds them (not always sorted). */
  t: Float64Array;
}

/** Times k / per for increasing integers k (gaps of 0 to maxGap ticks), as a log's parser makes them. */
function onGrid(seed: string, n: number, per: number, maxGap: number, start = 0): Float64Array {
  const rng = createRng(seed);
  let k = start;
  return Float64Array.from({ length: n }, () => (k += Math.floor(rng.next() * (maxGap + 1))) / per);
}

/** Bucketed times: `n` rows, a share `zero` of them at the previous row's time, the others `b` (or, a share `far`, 2b) later; `jitter` moves each bucket by up to ±jitter·b. */
function buckets(seed: string, n: number, b: number, zero: number, far: number, jitter = 0): Float64Array {
  const rng = createRng(seed);
  let t = 100;
  return Float64Array.from({ length: n }, (_, i) => {
    if (i > 0 && rng.next() >= zero) t += (rng.next() < far ? 2 : 1) * b + jitter * b * (2 * rng.next() - 1);
    return t;
  });
}

export function resolutionCases(): ResolutionCase[] {
  const cases: ResolutionCase[] = [];
  const add = (name: string, t: Float64Array) => cases.push({ name, t });
  for (const per of [1, 10, 100, 1000, 1e4, 1e5]) add(`1/${per} s clock`, onGrid(`grid-${per}`, 5000, per, 3 * per, 7 * per));
  const rng = createRng('continuous');
  let c = 3;
  add('continuous', Float64Array.from({ length: 4000 }, () => (c += rng.next() * 0.7)));
  add('3 s buckets (Mooncake-like)', buckets('b3', 6000, 3, 0.6, 0.1));
  add('buckets of 2.5 s ± 0.4 %', buckets('b25', 3001, 2.5, 0.5, 0.05, 0.004));
  add('buckets, an even number of positive gaps', buckets('beven', 1001, 0.7, 0.5, 0, 0.001));
  add('buckets no coarser than the quantum (1 s clock, gaps of 1 s): the quantum', buckets('bq', 3000, 1, 0.5, 0.1));
  add('too few zero gaps for buckets', buckets('bz', 3000, 3, 0.25, 0.1));
  add('too few gaps near the median for buckets', buckets('bn', 3000, 3, 0.5, 0.3));
  for (const n of [0, 1, 2, 3]) add(`${n} rows`, onGrid(`few-${n}`, n, 1000, 5000));
  // 1000 times on a 1 ms clock, one or two 0.4 ms off it: 99.9 % is the threshold (ok ≥ 0.999·seen).
  for (const off of [1, 2]) {
    const t = onGrid(`edge-${off}`, 1000, 1000, 50, 1);
    for (let k = 0; k < off; k++) t[100 + 400 * k] += 0.0004;
    add(`1000 times, ${off} off the 1 ms clock`, t);
  }
  // 200 000 times, every second one on a 10 ms clock, the others 3 ms later: a 1 ms clock (every
  // second time alone, as sampled before, read as 10 ms).
  add('200 000 times, every second one on a 10 ms clock', Float64Array.from({ length: 200_000 }, (_, i) => (i % 2 === 0 ? (10 * i) / 1000 : (10 * (i - 1) + 3) / 1000)));
  // 200 000 requests in 1 s on a 5 µs grid (every second one on 10 µs): 1e-5 s is no clock of theirs.
  add('200 000 times on a 5 µs grid', Float64Array.from({ length: 200_000 }, (_, i) => i / 200_000));
  // 230 000 times out of order: the earliest 200 000 on a 1 s clock, the rest ~0.37 s apart on no clock (all of them: continuous).
  const late = Float64Array.from({ length: 230_000 }, (_, i) => (i < RESOLUTION_SAMPLE ? Math.floor(i / 3) : RESOLUTION_SAMPLE / 3 + 0.3701234567 * (i - RESOLUTION_SAMPLE + 1)));
  const shuffle = createRng('shuffle');
  for (let i = late.length - 1; i > 0; i--) {
    const j = Math.floor(shuffle.next() * (i + 1));
    [late[i], late[j]] = [late[j], late[i]];
  }
  add('230 000 times out of order, the earliest 200 000 on a 1 s clock', late);
  add('times before the origin (negative), 1 ms clock', onGrid('negative', 3000, 1000, 40, -60_000));
  add('epoch seconds with microseconds (no origin)', onGrid('epoch', 3000, 1e6, 900_000, 1_700_158_546_680_590));
  return cases;
}

/** What the script must give for times t: the resolution counted with (detectResolution's, at least 1 µs) and the cluster thresholds in ticks. */
export function expectedResolution(t: Float64Array): { resolution: number; ticks: number[] } {
  const sorted = Float64Array.from(t).sort().subarray(0, RESOLUTION_SAMPLE);
  const resolution = Math.max(detectResolution(sorted).resolution, 1e-6);
  return { resolution, ticks: CLUSTER_GAPS.map((tau) => clusterTicks(tau, resolution)) };
}

/**
 * detectResolution in SQL, for the scripts `servegen sql` prints with `--resolution auto`: the
 * warehouse decides the clock resolution from the data, as every other engine does, instead of
 * the user guessing it (a 1 ms default counted every sub-millisecond gap of the Azure traces as
 * 0 ticks, and read a 3 s bucketed log as a millisecond one).
 */
import { CLUSTER_GAPS } from './types.js';
import { RESOLUTION_SAMPLE } from './resolution.js';
import { dbl } from './sql-double.js';

/** The quanta detectResolution tries, coarsest first. */
const QUANTA = [1, 0.1, 0.01, 1e-3, 1e-4, 1e-5] as const;

/** The name of the one-row relation resolutionSql defines (a CTE of the script). */
export const RESOLUTION_CTE = 'sg_res';
/** Its column: the resolution counted with, seconds (at least 1 µs, as SummaryBuilder takes it). */
export const RESOLUTION_COLUMN = 'sg_resolution';
/** Its column for CLUSTER_GAPS[k]: clusterTicks(CLUSTER_GAPS[k], resolution). */
export const clusterTicksColumn = (k: number): string => `sg_tau${k}`;

/** JavaScript's Math.round of a double x ≥ −2^52 that is not within an ulp below a half. */
const round = (x: string) => `floor(${x} + ${dbl(0.5)})`;

/**
 * One row: RESOLUTION_COLUMN and the cluster thresholds in ticks, decided as detectResolution
 * decides on the earliest RESOLUTION_SAMPLE rows of `r` (column t, seconds from the origin, in
 * the same doubles the scan counts with): a power-of-ten quantum from 1 s to 1e-5 s that ≥ 99.9 %
 * of the times is within 1e-3 tick of; else bucketing, when over 30 % of the
 * gaps between consecutive times are 0 and ≥ 80 % of the positive ones are within 1 % of their
 * median (the ⌊p / 2⌋-th smallest), which exceeds the quantum; else 0 (continuous), then floored
 * to 1 µs. Fewer than 3 rows: 0. The arithmetic is detectResolution's, operation by operation, in
 * doubles (literals written as DOUBLE), so a dialect that computes IEEE doubles gets its result.
 * `lagAt` is the dialect's lag (ClickHouse has only lagInFrame, with its frame).
 */
export function resolutionSql(lagAt: (e: string, k: number, partition: string, order: string) => string): string {
  const earliest = `SELECT t, 0 AS sg_all FROM r ORDER BY t LIMIT ${RESOLUTION_SAMPLE}`;
  const numbered = `SELECT t, row_number() OVER (ORDER BY t) - 1 AS sg_i, count(*) OVER () AS sg_n, t - ${lagAt('t', 1, 'sg_all', 't')} AS sg_g FROM (${earliest}) AS sg_e`;
  const sampled = `SELECT t, sg_n, sg_g, 1 AS sg_pick FROM (${numbered}) AS sg_nb`;
  // The positive gap at index ⌊p / 2⌋ in ascending order (NULL when there is none).
  const ranked = `SELECT sg_g, row_number() OVER (ORDER BY sg_g) - 1 AS sg_j, count(*) OVER () AS sg_p FROM (${numbered}) AS sg_nb WHERE sg_g > 0`;
  const median = `SELECT max(CASE WHEN sg_j = CAST(floor(sg_p / 2) AS BIGINT) THEN sg_g END) AS sg_m FROM (${ranked}) AS sg_rk`;
  const onTick = (r: number) => `abs(t / ${dbl(r)} - ${round(`t / ${dbl(r)}`)}) < ${dbl(1e-3)}`;
  // (Named apart from the columns they aggregate: ClickHouse reads an alias wherever its name appears.)
  const counts = [
    `coalesce(max(sg_n), 0) AS sg_rows`,
    `max(sg_m) AS sg_median`,
    `sum(sg_pick) AS sg_seen`,
    ...QUANTA.map((r, k) => `count(CASE WHEN sg_pick = 1 AND ${onTick(r)} THEN 1 END) AS sg_ok${k}`),
    `count(CASE WHEN sg_g <= 0 THEN 1 END) AS sg_zeros`,
    `count(CASE WHEN sg_g > 0 THEN 1 END) AS sg_pos`,
    `count(CASE WHEN sg_g > 0 AND abs(sg_g - sg_m) <= ${dbl(0.01)} * sg_m THEN 1 END) AS sg_near`,
  ];
  const tallied = `SELECT ${counts.join(', ')} FROM (${sampled}) AS sg_sp CROSS JOIN (${median}) AS sg_md`;
  const quantum = `CASE ${QUANTA.map((r, k) => `WHEN sg_ok${k} >= ${dbl(0.999)} * sg_seen THEN ${dbl(r)}`).join(' ')} ELSE ${dbl(0)} END`;
  const decided = `SELECT sg_rows, sg_median, sg_zeros, sg_pos, sg_near, ${quantum} AS sg_q FROM (${tallied}) AS sg_t`;
  const bucket = `CAST(sg_zeros AS DOUBLE) / CAST(sg_rows - 1 AS DOUBLE) > ${dbl(0.3)} AND sg_pos >= 10 AND sg_near >= ${dbl(0.8)} * sg_pos AND sg_median > sg_q`;
  const detected = `SELECT greatest(CASE WHEN sg_rows < 3 THEN ${dbl(0)} WHEN ${bucket} THEN sg_median ELSE sg_q END, ${dbl(1e-6)}) AS ${RESOLUTION_COLUMN} FROM (${decided}) AS sg_d`;
  // clusterTicks: τ / res, or the whole number it is within 1e-9 (relative) of.
  const ticks = CLUSTER_GAPS.map((tau, k) => {
    const x = `${dbl(tau)} / ${RESOLUTION_COLUMN}`;
    return `CASE WHEN abs(${x} - ${round(x)}) <= ${dbl(1e-9)} * (${x}) THEN ${round(x)} ELSE ${x} END AS ${clusterTicksColumn(k)}`;
  });
  return `SELECT ${RESOLUTION_COLUMN}, ${ticks.join(', ')} FROM (${detected}) AS sg_dt`;
}

import type { ArrivalWindow } from '../profile/schema.js';
import type { ArrivalSummary } from '../summary/types.js';
import { createRng, type Rng } from '../stats/rng.js';
import { unitGapSampler, type UnitGapSampler } from '../generate/arrival-sampler.js';
import { GapMemoryState } from '../generate/gap-memory-state.js';
import type { GapMemory } from './gap-memory.js';

/**
 * Gap memory is there to order a window's gaps (runs of short and of long ones), not to change
 * how many fit in the window: the window's rate says that. A memory longer than a window's gaps
 * (φ near 1 with w near 1: a latent level that hardly moves within the window) does change it:
 * each window then draws all its gaps near one quantile, and with heavy-tailed gaps the count
 * swings by multiples. Found by the odd-traces audit (h-88): a client sending 100 requests at
 * 10/s and then 50 at one per 6 s in each 600 s window was fitted w 0.9999, φ 0.9999, and
 * generate drew 30 935 requests over 2 h for the log's 1 800 on one seed, 652 and 645 on two
 * others (independent gaps: 1 750).
 *
 * The check draws the client's largest windows as generation draws them (its gap samplers,
 * the memory's latent started from its stationary law), COUNT_DRAWS times with the memory and
 * as many without, over the window's own number of gaps in unit-mean time, and returns the
 * median over the windows of (mean count with memory) / (mean count without). On the Azure
 * code log (w 0.15, φ 0.989) the ratios are 1.0–1.2; on the client above 3–8.
 */
export const MEMORY_COUNT_RATIO_MAX = 1.5;

/** Draws per window and side. */
const COUNT_DRAWS = 32;
/** The largest windows checked (by gaps). */
const CHECK_WINDOWS = 6;
/** Horizon of a draw in unit-mean gaps at most (a window of more gaps is checked over its first this many). */
const MAX_HORIZON = 2000;

/** The median over the client's largest windows of the memory's mean-count ratio (1: counts unchanged); undefined when no window can be checked. */
export function memoryCountRatio(id: string, summaries: readonly ArrivalSummary[], windows: readonly ArrivalWindow[], shape: ArrivalWindow['empirical'], memory: GapMemory): number | undefined {
  const picked: number[] = [];
  for (let i = 0; i < windows.length; i++) if (windows[i].model && windows[i].rate > 0 && summaries[i].gaps >= 2) picked.push(i);
  picked.sort((a, b) => summaries[b].gaps - summaries[a].gaps || a - b);
  if (picked.length === 0) return undefined;
  const rng = createRng(`gap-memory-check:${id}`);
  const ratios = picked.slice(0, CHECK_WINDOWS).map((i) => {
    const sampler = unitGapSampler(windows[i], 'cv', true, shape);
    const horizon = Math.min(summaries[i].gaps, MAX_HORIZON);
    let withMemory = 0;
    let without = 0;
    for (let k = 0; k < COUNT_DRAWS; k++) {
      withMemory += countWithin(horizon, sampler, rng, new GapMemoryState(memory.weight, memory.phi));
      without += countWithin(horizon, sampler, rng, undefined);
    }
    return without > 0 ? withMemory / without : withMemory > 0 ? Infinity : 1;
  });
  ratios.sort((a, b) => a - b);
  const h = ratios.length >> 1;
  return ratios.length % 2 === 1 ? ratios[h] : (ratios[h - 1] + ratios[h]) / 2;
}

/** Gaps whose running sum stays within `horizon` unit-mean time (stopped at 2 × horizon + 50: past the threshold either way). */
function countWithin(horizon: number, sampler: UnitGapSampler, rng: Rng, memory: GapMemoryState | undefined): number {
  const cap = 2 * horizon + 50;
  let t = 0;
  let n = 0;
  while (n < cap) {
    t += memory ? memory.next(sampler, rng, true) : sampler.next(rng);
    if (t > horizon) break;
    n++;
  }
  return n;
}

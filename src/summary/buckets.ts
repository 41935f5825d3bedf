import type { AggregateBuckets } from './types.js';

/**
 * The sum of bucket counts (TraceSummaries.buckets), trimmed to the buckets from the first to
 * the last with rows (undefined when none has rows); `shifts[p]` whole buckets are added to
 * part p's bucket numbers (parts counted from other origins).
 */
export function addBuckets(parts: readonly (AggregateBuckets & { off?: boolean })[], shifts?: readonly number[]): AggregateBuckets | undefined {
  if (parts.some((b) => b.off)) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  parts.forEach((b, p) => {
    const by = shifts?.[p] ?? 0;
    for (let i = 0; i < b.counts.length; i++) {
      if (b.counts[i] > 0) {
        lo = Math.min(lo, b.base + by + i);
        break;
      }
    }
    for (let i = b.counts.length - 1; i >= 0; i--) {
      if (b.counts[i] > 0) {
        hi = Math.max(hi, b.base + by + i);
        break;
      }
    }
  });
  if (!(hi >= lo)) return undefined;
  const counts = new Float64Array(hi - lo + 1);
  parts.forEach((b, p) => {
    const at = b.base + (shifts?.[p] ?? 0) - lo;
    for (let i = 0; i < b.counts.length; i++) if (b.counts[i] > 0) counts[at + i] += b.counts[i];
  });
  return { base: lo, counts };
}

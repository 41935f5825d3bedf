import type { Profile } from '../profile/schema.js';
import { createRng } from '../stats/rng.js';
import { LENGTH_COLUMNS, type LengthBuffers } from '../io/trace-schema.js';
import { ClientLengthSampler, clearLengths, lengthColumnsOf, sampleLengths, type WindowLengthSampler } from './length-sampler.js';
import { BATCH_TARGET, checkExpectedRequests, checkGenerateOptions, clientsToDraw, planSlots, selectClients, windowIndex, type GenerateOptions, type GenerationPlan, type RequestBatch } from './compose.js';
import { meanRateOver } from './rate-function.js';
import { checkProfileRates } from './profile-rates.js';
import { log } from '../stats/det-math.js';
import { countsForPeak, windowGrid } from '../profile/window-grid.js';

/**
 * The paper's naive baseline from the same profile: one aggregate Poisson process following
 * the source's aggregate rate series (under the same rate function), and every length field
 * drawn independently from the pooled (rate-weighted) distribution of all clients — no
 * per-client burstiness, no per-client length structure, no input/output correlation.
 * All requests carry client_id "naive".
 */
export function planNaiveGeneration(profile: Profile, options: GenerateOptions): GenerationPlan {
  checkGenerateOptions(options);
  const { clients: chosen, leftOut } = clientsToDraw(selectClients(profile, options.clients));
  checkProfileRates(profile, new Set(chosen));
  // The estimate of a span too long to plan counts level clients at level × rhythm, as generate
  // draws them; this baseline follows their windows' realized rates (found by review: a
  // 0.001 req/s client's constant:1 estimate was 2.2× what the run plans, Azure conv's at
  // --window 0.01 19×).
  const slots = planSlots(profile, chosen.map((c) => (c.levels ? { ...c, levels: undefined } : c)), options);
  // Streams made afresh for every pass over `batches` (a second pass gave another baseline).
  const streams = () => {
    const root = createRng(options.seed).split('naive');
    return { arrivalRng: root.split('arrivals'), lengthRng: root.split('lengths') };
  };
  const lengthSamplers = chosen.map((c) => new ClientLengthSampler(c));
  const columns = lengthColumnsOf(chosen);
  // Windows by index (windowIndex: not the float of their start).
  const grid = windowGrid(profile);
  const byStart = chosen.map((c) => new Map(c.arrivals.map((w) => [windowIndex(profile, w.start, grid), w.rate])));
  const spec = options.rate;
  const totals = slots.map((s) => byStart.reduce((sum, m) => sum + (m.get(windowIndex(profile, s.profileStart, grid)) ?? 0), 0));
  // A loop, not Math.max(...totals): spread over ~10^5 slots overflowed the call stack (found by review).
  // Over the windows that may set a peak (countsForPeak), all when none may.
  let peak = 0;
  let peakAll = 0;
  totals.forEach((t, i) => {
    if (t > peakAll) peakAll = t;
    if (t > peak && countsForPeak(profile, slots[i].profileStart)) peak = t;
  });
  if (peak === 0) peak = peakAll;
  const emptyWindows = new Set<number>();
  const targets = slots.map((s, i) => {
    switch (spec.kind) {
      case 'scale':
        return totals[i] * spec.factor;
      case 'peak':
        return peak > 0 ? (totals[i] * spec.rate) / peak : 0;
      case 'constant':
      case 'points': {
        const t = spec.kind === 'constant' ? spec.rate : meanRateOver(spec, s.a - options.start, s.b - options.start);
        if (totals[i] > 0) return t;
        if (t > 0) emptyWindows.add(s.window ?? i);
        return 0;
      }
      default: {
        const never: never = spec;
        return never;
      }
    }
  });
  const expectedRequests = slots.reduce((sum, s, i) => sum + (targets[i] > 0 ? targets[i] * (s.b - s.a) : 0), 0);
  checkExpectedRequests(expectedRequests, options);
  // One-field sampler set: each field from its own randomly chosen client (pooled marginal).
  const pick = (cum: Float64Array, u: number) => {
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  function* batches(): Generator<RequestBatch> {
    const { arrivalRng, lengthRng } = streams();
    const scratch: LengthBuffers = LENGTH_COLUMNS.map((c) => (columns.includes(c) ? new Float64Array(1) : undefined));
    const target = Math.max(1, Math.floor(options.batchTarget ?? BATCH_TARGET));
    let ts = new Float64Array(0);
    // Each request's profile time (for its lengths).
    let at = new Float64Array(0);
    for (let si = 0; si < slots.length; si++) {
      const slot = slots[si];
      const rate = targets[si];
      if (!(rate > 0)) continue;
      const weights = byStart.map((m, ci) => (lengthSamplers[ci].hasLengths ? (m.get(windowIndex(profile, slot.profileStart, grid)) ?? 0) : 0));
      const cum = new Float64Array(weights.length);
      let acc = 0;
      weights.forEach((w, i) => (cum[i] = acc += w));
      // Lengths at each request's profile time, as ours draws them (profile time = generated time
      // + offset, from the slot's profileAt: a slot from inside its window, a cut first window, a
      // rate file's piece). At the slot's middle from its window's start, a length window starting
      // inside the slot was drawn for all of it or none (found by review, h-98: 600 s windows and
      // 900 s length windows, 635 of 3 642 requests drawn from the wrong one).
      const profileOffset = (slot.profileAt ?? slot.profileStart) - slot.a;
      // Times in batches of at most `target` requests (memory stays bounded at any rate);
      // arrivals and lengths have their own streams, so the requests do not depend on the split.
      let t = slot.a - log(arrivalRng.nextOpen()) / rate;
      while (t < slot.b) {
        if (ts.length < target) {
          ts = new Float64Array(target);
          at = new Float64Array(target);
        }
        let n = 0;
        while (t < slot.b && n < target) {
          at[n] = t + profileOffset;
          ts[n++] = t - options.start;
          t += -log(arrivalRng.nextOpen()) / rate;
        }
        const lengths: LengthBuffers = LENGTH_COLUMNS.map((c) => (columns.includes(c) ? new Float64Array(n) : undefined));
        for (let i = 0; i < n; i++) {
          if (!(acc > 0)) {
            clearLengths(lengths, i);
            continue;
          }
          // Draw a full request from a random client, once per column: independent marginals.
          for (let c = 0; c < LENGTH_COLUMNS.length; c++) {
            const dst = lengths[c];
            if (!dst) continue;
            const who = pick(cum, lengthRng.next() * acc);
            const w: WindowLengthSampler | undefined = lengthSamplers[who].at(at[i]);
            if (!w) {
              dst[i] = NaN;
              continue;
            }
            sampleLengths({ ...w, rho: 0 }, lengthRng, scratch, 0);
            dst[i] = scratch[c]![0];
          }
        }
        yield { n, timestamp: ts.slice(0, n), client: new Int32Array(n), lengths };
      }
    }
  }
  return { clientIds: ['naive'], columns, clientsWithoutLengths: [], clientsLeftOut: leftOut, emptySlots: emptyWindows.size, expectedRequests, sessionClients: [], memoryClients: [], prefixClients: [], squeezedClusterClients: [], batches: { [Symbol.iterator]: batches } };
}

/**
 * Serving capacity a workload needs, by a deliberately simple model: the paper's argument that
 * generating per client avoids under-provisioning (Xiang et al., NSDI '26), measured in slots.
 *
 * A deployment is `slots` identical sequence slots (the concurrent sequences a fleet runs under
 * continuous batching). A request holds one slot for `input / prefill + output / decode`
 * seconds, and requests start in arrival order on the first slot free (FCFS, c servers: the
 * Kiefer–Wolfowitz recursion). Its queueing delay is its start minus its arrival. The capacity a
 * workload needs is the fewest slots that keep the q-quantile of the delays (nearest rank) at
 * or below an SLO. Batching effects on speed, preemption and KV-cache limits are left out on
 * purpose: the same model is applied to the source and to each generated workload, and only
 * their ratio is read.
 */

/** Per-slot speeds of the serving model. */
export interface SlotModel {
  /** Prompt tokens a slot processes per second. */
  prefillTokensPerSecond: number;
  /** Output tokens a slot produces per second. */
  decodeTokensPerSecond: number;
}

/**
 * Refuses speeds that are no speeds. `capacity` refuses them as flags; the library took them
 * (found by a library audit): 0, negative or NaN speeds gave infinite, negative or NaN service
 * times, and answers such as 1 slot for any SLO.
 */
function checkSlotModel(model: SlotModel): void {
  for (const key of ['prefillTokensPerSecond', 'decodeTokensPerSecond'] as const) {
    const v = model[key];
    if (!(v > 0 && v < Infinity)) throw new RangeError(`${key}: tokens per second, a finite number > 0, got ${v}`);
  }
}

/** Seconds a request holds its slot (a missing or negative length counts as 0 tokens). @throws RangeError for a speed that is not a finite number > 0. */
export function serviceSeconds(input: number, output: number, model: SlotModel): number {
  checkSlotModel(model);
  const i = input > 0 ? input : 0;
  const o = output > 0 ? output : 0;
  return i / model.prefillTokensPerSecond + o / model.decodeTokensPerSecond;
}

/**
 * Queueing delays (start − arrival) of requests on `slots` FCFS slots.
 * @param arrivals arrival times, ascending
 * @param service seconds each request holds its slot
 */
export function queueDelays(arrivals: ArrayLike<number>, service: ArrayLike<number>, slots: number): Float64Array {
  const n = arrivals.length;
  const delays = new Float64Array(n);
  if (!(slots >= 1)) throw new RangeError(`slots must be at least 1, got ${slots}`);
  // A service list shorter than the arrivals, a NaN time or a negative service time gave NaN
  // or negative free times, and slotsNeeded 1 slot whatever the load (found by a library audit).
  if (service.length !== n) throw new RangeError(`service has ${service.length} entries for ${n} arrivals`);
  const c = Math.min(Math.floor(slots), Math.max(1, n));
  // Min-heap of the times the slots come free (all free at -∞: the first c requests start at once).
  const heap = new Float64Array(c).fill(-Infinity);
  for (let k = 0; k < n; k++) {
    const a = arrivals[k];
    if (!Number.isFinite(a)) throw new RangeError(`arrivals[${k}]: a finite time in seconds, got ${a}`);
    if (k > 0 && a < arrivals[k - 1]) throw new RangeError(`arrivals must ascend (index ${k}: ${a} after ${arrivals[k - 1]})`);
    if (!(service[k] >= 0 && service[k] < Infinity)) throw new RangeError(`service[${k}]: seconds, a finite number ≥ 0, got ${service[k]}`);
    const start = heap[0] > a ? heap[0] : a;
    delays[k] = start - a;
    // Replace the root with this slot's new free time and sift it down.
    const free = start + service[k];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= c) break;
      const r = l + 1;
      const m = r < c && heap[r] < heap[l] ? r : l;
      if (heap[m] >= free) break;
      heap[i] = heap[m];
      i = m;
    }
    heap[i] = free;
  }
  return delays;
}

/** Whether the q-quantile (nearest rank) of the delays on `slots` slots is at most `slo`. */
function meets(arrivals: ArrayLike<number>, service: ArrayLike<number>, slots: number, slo: number, q: number): boolean {
  const delays = queueDelays(arrivals, service, slots);
  const n = delays.length;
  // The nearest-rank quantile is at most slo when no more than n − ⌈q·n⌉ delays exceed it.
  const allowed = n - Math.ceil(q * n);
  let over = 0;
  for (let k = 0; k < n; k++) if (delays[k] > slo && ++over > allowed) return false;
  return true;
}

/**
 * The fewest slots whose q-quantile queueing delay is at most `slo` seconds (0 for no requests).
 * Delays never grow with more slots (FCFS, same arrivals and service times), so the answer is
 * found by doubling and then bisection.
 */
export function slotsNeeded(arrivals: ArrayLike<number>, service: ArrayLike<number>, slo: number, q = 0.99): number {
  const n = arrivals.length;
  if (n === 0) return 0;
  if (!(slo >= 0)) throw new RangeError(`slo must be ≥ 0 seconds, got ${slo}`);
  if (!(q > 0 && q <= 1)) throw new RangeError(`q must be in (0, 1], got ${q}`);
  let hi = 1;
  while (hi < n && !meets(arrivals, service, hi, slo, q)) hi *= 2;
  hi = Math.min(hi, n);
  let lo = Math.floor(hi / 2); // fails (or 0)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (meets(arrivals, service, mid, slo, q)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** What `capacity` computes for one trace: its requests, span and the slots each SLO needs. */
export interface TraceCapacity {
  requests: number;
  /** Seconds from the first arrival to the last. */
  spanSeconds: number;
  /** Slots needed per SLO, in the order the SLOs were given. */
  slots: number[];
}

/**
 * The slots a trace needs for each SLO (q-quantile of queueing delays at or below it). Rows are
 * taken in time order (equal times in row order); a missing length counts as 0 tokens.
 * @param timestamp arrival times (s), any order
 */
export function traceCapacity(timestamp: ArrayLike<number>, input: ArrayLike<number> | undefined, output: ArrayLike<number> | undefined, model: SlotModel, slos: readonly number[], q = 0.99): TraceCapacity {
  checkSlotModel(model);
  const n = timestamp.length;
  const order = Array.from({ length: n }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = timestamp[i] >= timestamp[i - 1];
  if (!sorted) order.sort((a, b) => timestamp[a] - timestamp[b] || a - b);
  const arrivals = Float64Array.from(order, (i) => timestamp[i]);
  const service = Float64Array.from(order, (i) => serviceSeconds(input ? input[i] : 0, output ? output[i] : 0, model));
  return { requests: n, spanSeconds: n > 0 ? arrivals[n - 1] - arrivals[0] : 0, slots: slos.map((slo) => slotsNeeded(arrivals, service, slo, q)) };
}

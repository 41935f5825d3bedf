import type { TraceLayout, TraceMeta } from '../io/trace-schema.js';
import { compressedNameProblem, formatFromPath, TRACE_FORMATS, type TraceFormat } from '../io/trace-writer.js';
import { openTraceWriter } from '../io/open-writer.js';
import { threadedTraceWriter } from '../io/threaded-writer.js';
import { usableThreads } from '../util/worker.js';
import type { Profile } from '../profile/schema.js';
import { toolName } from '../version.js';
import { planGeneration, type GenerateOptions, type GenerationPlan } from './compose.js';
import { planNaiveGeneration } from './naive.js';
import { describeRateSpec } from './rate-function.js';
import { GenerateError } from './errors.js';
import { addSeconds, formatInstant, parseInstant } from '../util/instant.js';
import { replayOutputsRaised } from '../io/replay-lengths.js';

export { openTraceWriter };

export interface GenerateSummary {
  requests: number;
  /** Clients the run drew from (the profile's, less those left out). */
  clients: number;
  /** Of those, the clients that drew at least one request (a short run of a sparse pool draws from few). */
  clientsDrawn: number;
  clientsWithoutLengths: string[];
  /** Clients left out for having no length data while others have. */
  clientsLeftOut: string[];
  emptySlots: number;
  seconds: number;
  columns: string[];
  /** Clients whose arrivals were labelled with sessions. */
  sessionClients: number;
  /** Clients drawn with gap memory. */
  memoryClients: number;
  /** Clients whose requests got hash_ids (their profile's prefix sections). */
  prefixClients: number;
  /** Cluster clients drawn at a rate their clusters do not fit, their inner gaps scaled down (GenerationPlan). */
  squeezedClusterClients: string[];
  /** Tokens per hash_ids block (undefined without prefix clients). */
  blockTokens?: number;
  /** Clients with a prefix section but no prompt lengths, whose requests got no hash_ids. */
  prefixWithoutPrompts?: string[];
  /**
   * `--format mooncake`: requests of 0 output tokens (or none) written with `output_length` 1,
   * as servers refuse a completion-token cap of 0 (to-mooncake.ts). Absent for other formats.
   */
  replayOutputsRaised?: number;
}

/**
 * ISO origin of the generated trace: profile origin + start, when the profile has one, to the
 * nanosecond (`--start 1200.4567` writes `…:03.4567Z`; it was cut to the millisecond, so two
 * generated traces read as one were put up to 1 ms apart from where they were generated).
 */
function shiftedOrigin(origin: string | null, start: number): string | null {
  if (origin === null) return null;
  const from = parseInstant(origin);
  return from === undefined ? null : (formatInstant(addSeconds(from, start)) ?? null);
}

/** The header of a generated trace (its origin and how it was generated), in a file or in memory (generateTrace). */
export function generatedTraceMeta(profile: Profile, profileSha256: string, options: GenerateOptions, plan: GenerationPlan, naive: boolean): TraceMeta {
  return {
    format: 'servegen-trace',
    version: 1,
    origin: shiftedOrigin(profile.span.origin, options.start),
    tool: toolName(),
    generator: {
      profile_sha256: profileSha256,
      seed: String(options.seed),
      rate: describeRateSpec(options.rate),
      start: options.start,
      duration: options.duration,
      shape_source: options.shapeSource ?? 'cv',
      naive,
      clients: plan.clientIds.length,
      session_clients: plan.sessionClients.length,
      gap_memory_clients: plan.memoryClients.length,
      ...(plan.prefixClients.length > 0 ? { prefix_clients: plan.prefixClients.length } : {}),
      // Only when on, so that a default run's header is what it was.
      ...(plan.prefixClients.length > 0 && options.exactRepeats ? { exact_repeats: true } : {}),
    },
    ...(plan.blockTokens !== undefined ? { block_tokens: plan.blockTokens } : {}),
  };
}

/**
 * Runs expected to produce at least this many requests are written on a writer thread (when
 * there are two threads to use): below it, starting the thread costs more than it saves.
 */
export const WRITER_THREAD_ABOVE = 200_000;

/** Where and how generateToFile writes a run: its file, and what the positional arguments after it give too. */
export interface GenerateOutput {
  path: string;
  /** Default: the one `path` is named as (.jsonl, .csv, .parquet, .arrow). */
  format?: TraceFormat;
  /** Write the naive baseline instead (`generate --naive`). */
  naive?: boolean;
  /** Called after each slot with rows written so far and the generated time reached (seconds). */
  onProgress?: (rows: number, reachedSeconds: number) => void;
  /** Called with the run's plan before the first request is drawn. */
  onPlan?: (plan: GenerationPlan) => void;
  /** Force the writer thread on or off (default: on for large runs, WRITER_THREAD_ABOVE); the file is the same either way. */
  writerThread?: boolean;
}

/**
 * Generates a workload from a profile straight into a file (streaming, atomic).
 * `profileSha256` is recorded in the trace's header (readProfile's, or profileSha256 of a profile
 * in memory); `out` names the file and how to write it (GenerateOutput). The positional
 * `onProgress`, `naiveArg`, `onPlan` and `writerThread` are the same as `out`'s fields, kept for
 * callers written before them (a harness had to pass `undefined, false, undefined` to reach the
 * last; found by using the library, h-102); a positional one wins when both are given.
 */
export async function generateToFile(
  profile: Profile,
  profileSha256: string,
  options: GenerateOptions,
  out: GenerateOutput,
  onProgressArg?: (rows: number, reachedSeconds: number) => void,
  naiveArg = false,
  onPlanArg?: (plan: GenerationPlan) => void,
  writerThreadArg?: boolean,
): Promise<GenerateSummary> {
  // `out.naive` or the sixth argument (a run of the naive baseline, `generate --naive`).
  const naive = naiveArg || out.naive === true;
  const onProgress = onProgressArg ?? out.onProgress;
  const onPlan = onPlanArg ?? out.onPlan;
  const writerThread = writerThreadArg ?? out.writerThread;
  const compressed = compressedNameProblem(out.path);
  if (compressed) throw new GenerateError(compressed);
  const format = out.format ?? formatFromPath(out.path);
  if (format === undefined) throw new GenerateError(`${out.path}: cannot tell the format from the name; give out.format (${TRACE_FORMATS.join(', ')})`);
  const plan = naive ? planNaiveGeneration(profile, options) : planGeneration(profile, options);
  onPlan?.(plan);
  const layout: TraceLayout = {
    clientIds: plan.clientIds,
    columns: plan.columns,
    ...(plan.sessionClients.length > 0 ? { texts: ['session_id'] as const, extraInts: ['turn'] as const } : {}),
    ...(plan.prefixClients.length > 0 ? { hashIds: true } : {}),
    meta: generatedTraceMeta(profile, profileSha256, options, plan, naive),
  };
  // Large runs format and encode on a writer thread while this one generates (same bytes).
  const threaded = writerThread ?? (usableThreads() >= 2 && plan.expectedRequests >= WRITER_THREAD_ABOVE);
  const writer = threaded ? threadedTraceWriter(format, out.path, layout) : await openTraceWriter(format, out.path, layout);
  const t0 = performance.now();
  let rows = 0;
  const drew = new Uint8Array(plan.clientIds.length);
  let clientsDrawn = 0;
  let raised = 0;
  try {
    for (const batch of plan.batches) {
      const n = batch.n;
      const last = batch.timestamp[n - 1];
      for (let i = 0; i < n; i++) {
        const c = batch.client[i];
        if (drew[c] === 0) {
          drew[c] = 1;
          clientsDrawn++;
        }
      }
      // Counted before the write: a writer thread takes the batch's buffers.
      if (format === 'mooncake') raised += replayOutputsRaised(batch);
      await writer.write(batch);
      rows += n;
      onProgress?.(rows, last);
    }
    await writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return {
    requests: rows,
    clients: plan.clientIds.length,
    clientsDrawn,
    clientsWithoutLengths: plan.clientsWithoutLengths,
    clientsLeftOut: plan.clientsLeftOut,
    emptySlots: plan.emptySlots,
    seconds: (performance.now() - t0) / 1000,
    columns: plan.columns,
    sessionClients: plan.sessionClients.length,
    memoryClients: plan.memoryClients.length,
    prefixClients: plan.prefixClients.length,
    squeezedClusterClients: plan.squeezedClusterClients,
    ...(plan.blockTokens !== undefined ? { blockTokens: plan.blockTokens } : {}),
    ...(plan.prefixWithoutPrompts ? { prefixWithoutPrompts: plan.prefixWithoutPrompts } : {}),
    ...(format === 'mooncake' ? { replayOutputsRaised: raised } : {}),
  };
}

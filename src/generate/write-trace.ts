import { csvTraceWriter } from '../io/to-csv.js';
import { jsonlTraceWriter } from '../io/to-jsonl.js';
import { mooncakeTraceWriter } from '../io/to-mooncake.js';
import { parquetTraceWriter } from '../io/to-parquet.js';
import { arrowTraceWriter } from '../io/to-arrow.js';
import type { TraceLayout } from '../io/trace-schema.js';
import type { TraceFormat, TraceWriter } from '../io/trace-writer.js';
import type { Profile } from '../profile/schema.js';
import { toolName } from '../version.js';
import { planGeneration, type GenerateOptions, type GenerationPlan } from './compose.js';
import { planNaiveGeneration } from './naive.js';
import { describeRateSpec } from './rate-function.js';

/** Opens the writer for a format (exhaustive over TraceFormat). */
export function openTraceWriter(format: TraceFormat, path: string, layout: TraceLayout): TraceWriter {
  switch (format) {
    case 'jsonl':
      return jsonlTraceWriter(path, layout);
    case 'csv':
      return csvTraceWriter(path, layout);
    case 'parquet':
      return parquetTraceWriter(path, layout);
    case 'arrow':
      return arrowTraceWriter(path, layout);
    case 'mooncake':
      return mooncakeTraceWriter(path, layout);
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

export interface GenerateSummary {
  requests: number;
  clients: number;
  clientsWithoutLengths: string[];
  emptySlots: number;
  seconds: number;
  columns: string[];
  /** Clients whose arrivals were labelled with sessions. */
  sessionClients: number;
  /** Clients drawn with gap memory. */
  memoryClients: number;
}

/** ISO origin of the generated trace: profile origin + start, when the profile has one. */
function shiftedOrigin(origin: string | null, start: number): string | null {
  if (origin === null) return null;
  const ms = Date.parse(origin);
  return Number.isNaN(ms) ? null : new Date(ms + start * 1000).toISOString();
}

/**
 * Generates a workload from a profile straight into a file (streaming, atomic).
 * `onProgress` is called after each slot with rows written so far and the generated time reached.
 */
export async function generateToFile(
  profile: Profile,
  profileSha256: string,
  options: GenerateOptions,
  out: { path: string; format: TraceFormat },
  onProgress?: (rows: number, reachedSeconds: number) => void,
  naive = false,
  onPlan?: (plan: GenerationPlan) => void,
): Promise<GenerateSummary> {
  const plan = naive ? planNaiveGeneration(profile, options) : planGeneration(profile, options);
  onPlan?.(plan);
  const layout: TraceLayout = {
    clientIds: plan.clientIds,
    columns: plan.columns,
    ...(plan.sessionClients.length > 0 ? { texts: ['session_id'] as const, extraInts: ['turn'] as const } : {}),
    meta: {
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
      },
    },
  };
  const writer = openTraceWriter(out.format, out.path, layout);
  const t0 = performance.now();
  let rows = 0;
  try {
    for (const batch of plan.batches) {
      await writer.write(batch);
      rows += batch.n;
      onProgress?.(rows, batch.timestamp[batch.n - 1]);
    }
    await writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return {
    requests: rows,
    clients: plan.clientIds.length,
    clientsWithoutLengths: plan.clientsWithoutLengths,
    emptySlots: plan.emptySlots,
    seconds: (performance.now() - t0) / 1000,
    columns: plan.columns,
    sessionClients: plan.sessionClients.length,
    memoryClients: plan.memoryClients.length,
  };
}

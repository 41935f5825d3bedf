/**
 * Generated requests without a file: as objects (a custom load generator's), or as the trace
 * validateTraces compares (found by using the installed package as a library: a batch's
 * `lengths` are indexed by LENGTH_COLUMNS position, which was not exported, and a generated
 * workload reached validateTraces only through a file read back with ingestFiles).
 */
import { DEFAULT_BLOCK_TOKENS } from '../ingest/normalize.js';
import { IdDictionary } from '../ingest/id-dictionary.js';
import { INT_FIELDS, type IntField } from '../ingest/fields.js';
import { columnsRowContent, orderRows } from '../ingest/row-order.js';
import type { IngestResult } from '../ingest/ingest.js';
import type { Trace } from '../ingest/trace.js';
import { LENGTH_COLUMNS, type LengthColumn } from '../io/trace-schema.js';
import type { Profile } from '../profile/schema.js';
import { planGeneration, type GenerateOptions, type GenerationPlan, type RequestBatch } from './compose.js';
import { planNaiveGeneration } from './naive.js';
import { generatedTraceMeta } from './write-trace.js';

export { LENGTH_COLUMNS, type LengthColumn };

/**
 * One generated request as a trace row names it: `timestamp` in seconds from the generated
 * span's start (a file writes it to the microsecond), the client's id, the length columns the
 * profile has (a value the profile has none for is left out), and the session labels.
 */
export interface GeneratedRequest {
  timestamp: number;
  client_id: string;
  input_tokens?: number;
  output_tokens?: number;
  reasoning_tokens?: number;
  image_count?: number;
  image_tokens?: number;
  audio_count?: number;
  audio_tokens?: number;
  video_count?: number;
  video_tokens?: number;
  session_id?: string;
  turn?: number;
  /** Its prompt's block ids (clients with a prefix section in the profile). */
  hash_ids?: number[];
}

/**
 * The requests of one batch of planGeneration(...).batches as objects, in time order (the rows
 * generateToFile writes for it). `clientIds`: the plan's.
 */
export function* batchRequests(batch: RequestBatch, clientIds: readonly string[]): Generator<GeneratedRequest, void, undefined> {
  const sessions = batch.sessionNumbers;
  const turns = batch.extraInts?.turn;
  const texts = sessions ? undefined : batch.texts?.session_id;
  for (let i = 0; i < batch.n; i++) {
    const id = clientIds[batch.client[i]];
    const r: GeneratedRequest = { timestamp: batch.timestamp[i], client_id: id };
    for (let c = 0; c < LENGTH_COLUMNS.length; c++) {
      const v = batch.lengths[c]?.[i];
      if (v !== undefined && v === v) r[LENGTH_COLUMNS[c]] = v;
    }
    const sn = sessions?.[i];
    const session = sn !== undefined && sn === sn ? `${id}#${sn}` : texts?.[i];
    if (session !== undefined) r.session_id = session;
    const turn = turns?.[i];
    if (turn !== undefined && turn === turn) r.turn = turn;
    const h = batch.hashIds;
    if (h && h.offsets[i + 1] > h.offsets[i]) r.hash_ids = Array.from(h.ids.subarray(h.offsets[i], h.offsets[i + 1]));
    yield r;
  }
}

/** Every request of a plan (planGeneration or a new pass over its batches), as batchRequests gives them. */
export function* planRequests(plan: Pick<GenerationPlan, 'batches' | 'clientIds'>): Generator<GeneratedRequest, void, undefined> {
  for (const batch of plan.batches) yield* batchRequests(batch, plan.clientIds);
}

/**
 * A run generated into memory as the trace ingestFiles reads back from generateToFile's file
 * (times to the microsecond, the file's header in `meta`): the `generated` (or, with `naive`,
 * the `baseline`) of validate.validateTraces without a file. `files` is empty. Held whole in
 * memory: for runs of millions of requests write a file instead.
 */
export function generateTrace(profile: Profile, profileSha256: string, options: GenerateOptions, naive = false): IngestResult {
  const plan = naive ? planNaiveGeneration(profile, options) : planGeneration(profile, options);
  const batches: RequestBatch[] = [];
  let n = 0;
  for (const b of plan.batches) {
    batches.push(b);
    n += b.n;
  }
  const timestamp = new Float64Array(n);
  const client = new Int32Array(n);
  const ints: Trace['ints'] = {};
  for (const c of plan.columns) ints[c] = new Int32Array(n).fill(-1);
  const labelled = plan.sessionClients.length > 0;
  const turn = labelled ? new Int32Array(n).fill(-1) : undefined;
  const sessionIndex = labelled ? new Int32Array(n).fill(-1) : undefined;
  const sessionValues: string[] = [];
  const sessionCodes = new Map<string, number>();
  // hash_ids as ingest reads them back from the file: renumbered by first use (in row order, below).
  const hashCounts = plan.prefixClients.length > 0 ? new Int32Array(n) : undefined;
  const hashCodes: number[] = [];
  const hashDict = new IdDictionary();
  let row = 0;
  for (const b of batches) {
    let k = row;
    for (const r of batchRequests(b, plan.clientIds)) {
      timestamp[k] = Math.round(r.timestamp * 1e6) / 1e6;
      client[k] = b.client[k - row];
      for (const c of plan.columns) {
        const v = r[c];
        if (v !== undefined) ints[c]![k] = v;
      }
      if (r.turn !== undefined) turn![k] = r.turn;
      if (r.session_id !== undefined && sessionIndex) {
        let code = sessionCodes.get(r.session_id);
        if (code === undefined) {
          code = sessionValues.push(r.session_id) - 1;
          sessionCodes.set(r.session_id, code);
        }
        sessionIndex[k] = code;
      }
      if (hashCounts && r.hash_ids) {
        hashCounts[k] = r.hash_ids.length;
        for (const id of r.hash_ids) hashCodes.push(hashDict.code(id));
      }
      k++;
    }
    row = k;
  }
  if (turn) ints.turn = turn;
  const meta = generatedTraceMeta(profile, profileSha256, options, plan, naive);
  // The rows of one time in the content order ingest reads the file's in (orderRows, README: Row
  // order), their block ids numbered by first use in it: in generation order, a batch client's
  // requests at one instant came in another order than read back from the file (found by review,
  // h-98: 2 166 of 5 872 rows in an hour of a client sending 1, 5 or 20 at once), and so did the
  // trace ingest.writeTrace wrote of it.
  const clientIds = [...plan.clientIds];
  const intCols = new Map<IntField, Int32Array>();
  for (const f of INT_FIELDS) if (ints[f]) intCols.set(f, ints[f]);
  const texts: Trace['texts'] = sessionIndex ? { session_id: { index: sessionIndex, values: sessionValues } } : {};
  const hash = hashCounts ? { counts: hashCounts, codes: Int32Array.from(hashCodes), distinct: hashDict.size, keys: () => hashDict.keys(), blockTokens: plan.blockTokens ?? DEFAULT_BLOCK_TOKENS } : undefined;
  const { apply, hashIds } = orderRows(timestamp, columnsRowContent(clientIds, client, intCols, new Map(texts.session_id ? [['session_id', texts.session_id]] : []), hash));
  for (const [f, col] of intCols) ints[f] = apply(col);
  if (texts.session_id) texts.session_id = { index: apply(texts.session_id.index), values: sessionValues };
  const trace: Trace = { n, timestamp: apply(timestamp), client: apply(client), clientIds, ints, texts, origin: meta.origin };
  if (hashIds && hashIds.ids.length > 0) trace.hashIds = hashIds;
  return {
    trace,
    summary: {
      files: [],
      rows_read: n,
      rows_accepted: n,
      rows_rejected: 0,
      rejects_by_reason: {},
      clients: plan.clientIds.length,
      span_seconds: n > 0 ? timestamp[n - 1] - timestamp[0] : 0,
      origin: meta.origin,
      detected: { timestamp: { unit: 's', absolute: false, how: 'mapping', reason: 'generated in memory' }, formats: {} },
      duplicate_request_ids: 0,
      sorted: true,
    },
    rejects: [],
    meta,
  };
}

import { createHash } from 'node:crypto';
import type { IngestResult } from '../ingest/ingest.js';
import { hashFile } from '../io/whole-file.js';
import type { Profile } from '../profile/schema.js';
import { defaultCreated } from '../profile/upstream.js';
import type { TraceSummaries } from '../summary/types.js';
import { fitTraceParallel, type FitOptions } from './fit-trace.js';
import { definedOnly } from '../util/defined.js';

/**
 * What `servegen fit` uses when a flag is not given (its --help shows these): the CLI takes its
 * defaults from here, so a library fit with them and a `servegen fit` agree.
 */
export const FIT_DEFAULTS = {
  /** --window: arrival window, seconds. */
  arrivalSeconds: 600,
  /** --length-window: length window, seconds. */
  lengthSeconds: 21600,
  /** --min-arrivals: windows with fewer gaps keep their rate and borrow the client's pooled shape. */
  minArrivals: 10,
  /** --min-client-requests: 0 keeps every client… */
  minClientRequests: 0,
  /** …and with --anonymize clients under 100 requests are pooled into "tail". */
  anonymizedMinClientRequests: 100,
} as const;

/**
 * FitOptions as `servegen fit` sets them without flags: FIT_DEFAULTS, Gamma by MLE, no source
 * hash, created now (or at SOURCE_DATE_EPOCH, as the CLI does); `overrides` win. A fit is
 * deterministic: give `created` (or set SOURCE_DATE_EPOCH) for byte-identical profiles.
 */
export function defaultFitOptions(overrides: Partial<FitOptions> = {}): FitOptions {
  return {
    arrivalSeconds: FIT_DEFAULTS.arrivalSeconds,
    lengthSeconds: FIT_DEFAULTS.lengthSeconds,
    minArrivals: FIT_DEFAULTS.minArrivals,
    minClientRequests: FIT_DEFAULTS.minClientRequests,
    momentMatch: false,
    sourceSha256: null,
    created: overrides.created ?? defaultCreated(),
    ...definedOnly(overrides),
  };
}

/** The SHA-256 a profile records of its source: of the files' bytes, one after another. */
export function inputsSha256(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const f of files) hashFile(hash, f);
  return hash.digest('hex');
}

/**
 * Fits a profile to an ingested log (ingestFiles) as `servegen fit` does: defaultFitOptions,
 * the source hash of the files read and the rows recorded, arrival windows fitted on worker
 * threads; `overrides` win. Same log, options and `created` → the same profile, byte for byte.
 */
export async function fitIngested(
  ingested: Pick<IngestResult, 'trace' | 'summary'>,
  overrides: Partial<FitOptions> = {},
): Promise<{ profile: Profile; summaries: TraceSummaries; pooledClients: number }> {
  const { files, rows_accepted } = ingested.summary;
  // A trace with no files (generateTrace's, one built in memory) has no source to hash: it was
  // given the SHA-256 of zero bytes, e3b0c442…, which reads as a real file's (found by using the
  // library, h-102).
  const sourceSha256 = files.length > 0 ? inputsSha256(files) : null;
  return fitTraceParallel(ingested.trace, defaultFitOptions({ sourceSha256, recorded: { inputs: files.length, rows: rows_accepted }, ...overrides }));
}

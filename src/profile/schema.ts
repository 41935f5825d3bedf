/**
 * Profile format v1: the zod schema is the single source of truth. The TypeScript
 * types are inferred from it and `docs/profile.schema.json` is generated from it
 * (`npm run schema`; a test fails when the committed file is stale).
 */
import { z } from 'zod';

export const PROFILE_FORMAT = 'servegen-profile';
export const PROFILE_VERSION = 1;

const nonNegative = z.number().finite().nonnegative();
const positive = z.number().finite().positive();

export const ArrivalModelSchema = z.discriminatedUnion('family', [
  z.object({ family: z.literal('exponential'), scale: positive }).strict(),
  z.object({ family: z.literal('gamma'), shape: positive, scale: positive }).strict(),
  z.object({ family: z.literal('weibull'), shape: positive, scale: positive }).strict(),
]).describe('Inter-arrival-time model. exponential: scale = mean gap (s); gamma: shape k, scale θ (mean kθ); weibull: shape k, scale λ.');

export const GofSchema = z
  .object({
    ks: z.number().finite().min(0).max(1).describe('Kolmogorov–Smirnov statistic of the fit'),
    n: z.number().int().nonnegative().describe('number of gaps the fit used'),
    loglik: z.number().optional().describe('log-likelihood of the fit'),
  })
  .strict();

export const GapHistogramSchema = z
  .object({
    log10_min: z.number().finite(),
    bins_per_decade: z.number().positive(),
    below: z.number().nonnegative().describe('the `below_count` gaps of 0 clock ticks are drawn uniformly on [0, below); 0 (as `fit` writes it since zero-tick gaps spread over a tick came out a tick long half the time once floored to the clock): at 0'),
    below_count: z.number().int().nonnegative(),
    bins: z.array(z.number().int()).describe('log bin b covers [10^(log10_min + b/bpd), 10^(log10_min + (b+1)/bpd)) seconds'),
    counts: z.array(z.number().int().nonnegative()),
  })
  .strict();

export const ArrivalWindowSchema = z
  .object({
    start: z.number().finite().describe('window start, seconds from span.origin'),
    rate: nonNegative.describe('requests per second in this window'),
    cv: nonNegative.nullable().describe('coefficient of variation of inter-arrival gaps; null when unknown'),
    model: ArrivalModelSchema.nullable().describe('null when the window had too few arrivals to fit'),
    gof: GofSchema.optional(),
    empirical: GapHistogramSchema.optional().describe('the window\'s gap distribution, kept when no family fits it well; generation samples it (rescaled to the target rate) instead of the model'),
  })
  .strict();

const count = z.number().int().nonnegative();

export const CompactPmfSchema = z
  .object({
    values: z.array(z.number().finite()).describe('exact support points, ascending'),
    counts: z.array(count).optional().describe('observed requests per exact value; probability = count / total count'),
    probs: z.array(nonNegative).optional().describe('probability of each exact value (when counts are unknown)'),
    bins: z
      .object({
        lo: z.array(z.number().int()),
        hi: z.array(z.number().int()),
        counts: z.array(count).optional(),
        probs: z.array(nonNegative).optional(),
      })
      .strict()
      .optional()
      .describe('integer ranges [lo, hi] (inclusive) with their mass spread uniformly; log-spaced tails'),
  })
  .strict()
  .describe('Empirical PMF: exactly one of counts or probs (same kind in bins).');

/** Length fields a profile may carry per length window. */
export const LENGTH_FIELDS = [
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'reason_ratio',
  'image_count',
  'image_tokens_per_item',
  'image_tokens',
  'audio_count',
  'audio_tokens_per_item',
  'audio_tokens',
  'video_count',
  'video_tokens_per_item',
  'video_tokens',
] as const;
export const LengthFieldNameSchema = z.enum(LENGTH_FIELDS);

export const ParametricFitSchema = z
  .object({
    family: z.string(),
    params: z.record(z.string(), z.number()).optional(),
    ks: z.number().min(0).max(1).optional(),
    n: z.number().int().nonnegative().optional(),
  })
  .strict();

export const LengthFieldSchema = z
  .object({
    pmf: CompactPmfSchema,
    fit: ParametricFitSchema.optional().describe('parametric fit for characterization (not used for sampling)'),
  })
  .strict();

export const LengthWindowSchema = z
  .object({
    start: z.number().finite().describe('window start, seconds from span.origin'),
    fields: z.partialRecord(LengthFieldNameSchema, LengthFieldSchema),
    joint: z
      .object({
        spearman: z.number().min(-1).max(1).describe('Spearman(input_tokens, output_tokens) in this window'),
        copula: z.number().min(-1).max(1).optional().describe('Gaussian-copula correlation reproducing spearman'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const SessionStatsSchema = z.record(z.string(), z.unknown()).describe('session statistics (turns, gaps, input ranks by turn); added by fit');

const share = z.number().finite().min(0).max(1);

/** A log-normal of seconds: μ and σ of ln seconds. */
const lnSeconds = {
  gap_mu: z.number().finite().describe('μ of ln seconds'),
  gap_sigma: nonNegative.describe('σ of ln seconds'),
};

export const PrefixSchema = z
  .object({
    block_tokens: z.number().int().positive().describe('prompt tokens per block (512 in the Mooncake traces): a request of t prompt tokens has ⌈t / block_tokens⌉ blocks'),
    requests: z.number().int().nonnegative().describe('requests with hash_ids the model was fitted on'),
    share: share.optional().describe('the client\'s share of requests with hash_ids, when the model was fitted on a slice of the log (`fit --engine duckdb` above 4 M requests with ids fits it on the earliest that many; the share is the slice\'s): generation gives ids to this share of the client\'s requests. Absent: requests / the client\'s requests'),
    hit_ratio: share.describe('their block hit ratio with an infinite prefix cache: Σ shared prefix blocks / Σ blocks (what the model reproduces; validate compares it)'),
    roots: z
      .object({
        distinct: z.number().int().nonnegative().describe('distinct first blocks (roots: a system prompt, a template, a document)'),
        theta: z.number().finite().describe('Pitman–Yor concentration θ of the root sequence (descriptive)'),
        alpha: z.number().finite().min(0).max(1).describe('Pitman–Yor discount α of the root sequence (descriptive: the share of roots used once)'),
        ...lnSeconds,
        first: z
          .object({
            share: share.describe('share of repeats that are the first repeat of their root (Mooncake synthetic trace: 23 %, so 408 of its 2 211 roots are ever repeated)'),
            ...lnSeconds,
            later_mu: z.number().finite().describe('μ of ln seconds: idle time of a root repeated before, at its next repeat'),
            later_sigma: nonNegative.describe('σ of ln seconds of that idle time'),
          })
          .strict()
          .optional()
          .describe('first re-asks apart: a repeat re-asks a root not repeated yet with probability share, chosen among those by its age g ~ log-normal (gap_mu, gap_sigma: from a root\'s first request to its first repeat, right-truncated at the log\'s start), else a root repeated before, by its idle time ~ log-normal (later_mu, later_sigma); failing a root of the right length in one kind, the other. Absent (profiles before it, or a log with fewer than 2 of either): every root by the one gap above'),
      })
      .strict()
      .describe('which earlier root a request repeats: of the roots of the right length, the one whose last request is the latest about g seconds back (a root is repeated after being idle about g), g log-normal (gap_mu, gap_sigma: from a repeat back to its root\'s previous request)'),
    coverage: z
      .object({
        edges: z.array(z.number().int().positive()).min(1).describe('lower edges of the buckets of a request\'s own blocks n (1, 2, 4, …)'),
        counts: z.array(z.number().int().nonnegative()).describe('per bucket: repeat requests it was estimated on (0: the nearest bucket with some is used)'),
        repeat_share: z.array(share.nullable()).describe('per bucket: share of requests that repeat an earlier root (null: no requests)'),
        single: z.array(share).describe('per bucket: share of repeats sharing only their first block (a one-block system prompt)'),
        quantiles: z.array(z.array(share)).describe('per bucket: equally spaced quantiles from 0 to 1 (fit writes 21: 0, 0.05, …, 1; any number from 2 is read so) of the shared share m/n of repeats sharing 2 blocks or more (empty: none)'),
      })
      .strict()
      // One entry per bucket in every array, edges from 1 ascending, each bucket's quantiles none
      // or 2+ ascending (found by review: a shorter quantiles array was accepted, then generate
      // stopped with an internal error, exit 3).
      .superRefine((c, ctx) => {
        const k = c.edges.length;
        for (const key of ['counts', 'repeat_share', 'single', 'quantiles'] as const) {
          if (c[key].length !== k) ctx.addIssue({ code: 'custom', path: [key], message: `${c[key].length} entries for the ${k} buckets of edges` });
        }
        if (c.edges[0] !== 1 || c.edges.some((e, i) => i > 0 && e <= c.edges[i - 1])) ctx.addIssue({ code: 'custom', path: ['edges'], message: 'expected ascending bucket edges from 1' });
        c.quantiles.forEach((q, i) => {
          if (q.length === 1 || q.some((x, j) => j > 0 && x < q[j - 1])) ctx.addIssue({ code: 'custom', path: ['quantiles', i], message: 'expected no quantiles or 2+ ascending ones' });
        });
      }),
    reuse: z
      .object({
        count: z.number().int().nonnegative().describe('repeats sharing 2 blocks or more'),
        redonate: share.describe('share of those whose best match already was another request\'s best match (0.3 % in chat: a turn is extended once)'),
        chain: share.optional().describe('share of those whose best match is their root\'s latest earlier request with at least as many blocks (a document re-asked: 92 % in the Mooncake synthetic trace, 0.3 % in chat); such a repeat shares the whole stem of a root (its first request\'s full blocks) within m ± d blocks, d = min(⌊1.25 m⌋, n) − m (at least m − 1 … m), below n unless m = n. Absent (profiles before it): 0, every donor is drawn by the reuse gap'),
        whole: share.optional().describe('share of repeats sharing all their n ≥ 2 blocks whose best match has exactly n blocks (an earlier prompt asked again, whole: all of them in both Mooncake traces); a chained repeat drawing m = n then copies, with this probability, the latest request of exactly n blocks of the root it picked (the stem and its partial last block), not just the stem. Absent (profiles before it): 0'),
        ...lnSeconds,
      })
      .strict()
      .describe('which request of the root a repeat that shares no stem (see chain) copies its shared blocks from: the one about g seconds back, g log-normal (gap_mu, gap_sigma: from a repeat back to its best match)'),
  })
  .strict()
  .describe('prompt-prefix reuse (Mooncake-style hash_ids): fitted from a log or trace with hash_ids (either engine; not from window summaries); generation gives each request block ids from it (docs/prefix-reuse.md). Absent: requests are generated without hash_ids');

export const ClientSchema = z
  .object({
    id: z.string().min(1),
    requests: nonNegative.describe('requests over the span (expected count for imported pools)'),
    arrivals: z.array(ArrivalWindowSchema),
    lengths: z.array(LengthWindowSchema),
    shifts: z.array(z.number()).optional().describe('rate change points, seconds from span.origin'),
    gap_memory: z
      .object({
        weight: z.number().min(0).max(1).describe('w: share of a gap\'s normal score carried over from the gaps before it'),
        phi: z.number().min(0).max(0.9999).describe('φ: lag-1 coefficient of the carried part (memory of about 1/(1−φ) gaps)'),
      })
      .strict()
      .optional()
      .describe('serial dependence of gaps: normal scores correlate weight·phi^k at lag k (absent: independent gaps)'),
    empirical: GapHistogramSchema.optional().describe(
      'the client\'s pooled gap shape, in mean gaps (each window\'s gaps divided by its mean), kept when its windows\' families do not reproduce it; generation samples it (rescaled to each window\'s rate) for every window with a model and no empirical of its own',
    ),
    batches: z
      .object({
        sizes: CompactPmfSchema.describe('requests per arrival instant (1 = alone), over the client\'s instants; for a cluster client (`below`), requests per cluster'),
        below: z
          .number()
          .positive()
          .optional()
          .describe('a cluster client: its requests were sent together but logged apart, in runs of gaps below this many seconds (absent: batches at one instant)'),
        within: CompactPmfSchema.optional().describe('a cluster client\'s gaps inside its clusters (seconds → gaps), drawn independently between a cluster\'s requests; its windows describe the gaps between clusters (from one\'s last request to the next one\'s first)'),
      })
      .strict()
      .optional()
      .describe(
        'the client sends requests in batches — several at one instant (a batch job, a fan-out) — and its windows\' `cv`, `model` and `empirical` describe the gaps between instants; `rate` still counts requests. Generation draws instants at rate / mean size and a size per instant (absent: one request per instant)',
      ),
    levels: z
      .object({
        starts: z.array(z.number().finite()).min(1).describe('segment starts, seconds from span.origin, ascending window starts; the first at span.start'),
        rates: z.array(nonNegative).min(1).describe('the level from each start to the next (the last: to span.end): requests per second where the profile\'s level_shape factor is 1 (the rate is level × factor)'),
        cv: nonNegative.nullable().describe('coefficient of variation of the client\'s gaps in units of their level'),
        model: ArrivalModelSchema.describe('the client\'s gaps in units of their level (a gap × the rate it came at; mean about 1): generation uses the shape only'),
        gof: GofSchema.optional(),
        empirical: GapHistogramSchema.optional().describe('the gaps in units of their level, kept from 200 gaps unless over 2 % are within one clock tick and that lattice costs more than the family (from fewer when no family fits them); generation samples it instead of the model'),
        daily: z
          .object({
            start: z.number().finite().describe('where the first factor\'s bin begins (seconds from span.origin; when fitted, the clock\'s hour at or before the span\'s start: UTC from span.origin, a multiple of 3 600 s without one); the bins repeat every bin_seconds × their count (a day)'),
            bin_seconds: positive.describe('each factor\'s stretch of the cycle (3 600 s when fitted, or the shortest whole number of windows from 600 s that divides an hour when the cycle is refined within its hours); an arrival window takes the factor of the bin its start falls in'),
            factors: z.array(nonNegative).min(2).describe('the client\'s rate in each bin of the cycle relative to its levels × level_shape (when fitted, of mean 1 weighed by the client\'s expected requests in each bin at its levels × level_shape, not by time: an evening client whose evenings the rhythm shares had factors of mean 0.82 over the hours (test/fit/levels.test.ts))'),
          })
          .strict()
          .optional()
          .describe('the client\'s own daily cycle (absent: none): fitted over 3 days or more when its counts by hour of day depart from its levels × level_shape beyond their noise; its rate in a window is level × level_shape factor × this factor'),
      })
      .strict()
      .optional()
      .describe(
        'a level client (most of its requests in windows with too few gaps to fit, or windows whose realized counts a draw would make noisier than these levels miss): its rate over change-point segments of the span, times the level clients\' shared rhythm (level_shape). Generation draws it in every arrival window at its segment\'s rate with gaps of this shape, in place of its windows\' rates and shapes (absent: each window at its own rate)',
      ),
    sessions: SessionStatsSchema.optional(),
    prefix: PrefixSchema.optional(),
  })
  .strict();

export const ProvenanceSchema = z
  .object({
    tool: z.string(),
    source_sha256: z.string().nullable(),
    created: z.string(),
    options: z.record(z.string(), z.unknown()),
    source: z
      .object({
        kind: z.string(),
        path: z.string().optional(),
        category: z.string().optional(),
        model: z.string().optional(),
        clients_without_lengths: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ProfileSchema = z
  .object({
    format: z.literal(PROFILE_FORMAT),
    version: z.literal(PROFILE_VERSION),
    provenance: ProvenanceSchema,
    windows: z.object({ arrival_seconds: positive, length_seconds: positive }).strict(),
    span: z
      .object({
        origin: z.string().nullable().describe('ISO time of t = 0; null when unknown (relative timestamps, imported pools) or anonymized'),
        start: z.number().finite(),
        end: z.number().finite(),
      })
      .strict()
      .refine((span) => span.end >= span.start, { message: 'span.end is before span.start', path: ['end'] }),
    clients: z.array(ClientSchema),
    aggregate: z.record(z.string(), z.unknown()).optional().describe('aggregate rate model; added by fit'),
    level_shape: z
      .object({
        starts: z.array(z.number().finite()).min(1).describe('segment starts, seconds from span.origin, ascending window starts; the first at span.start'),
        factors: z.array(nonNegative).min(1).describe('the rhythm from each start to the next (the last: to span.end), mean 1 over the span'),
      })
      .strict()
      .optional()
      .describe('the rhythm the level clients (clients[].levels) share: a level client\'s rate is its level × the factor here (absent: 1); added by fit when a client has levels'),
  })
  .strict();

export type ArrivalModelV1 = z.infer<typeof ArrivalModelSchema>;
export type ArrivalWindow = z.infer<typeof ArrivalWindowSchema>;
export type LengthFieldName = z.infer<typeof LengthFieldNameSchema>;
export type LengthField = z.infer<typeof LengthFieldSchema>;
export type LengthWindow = z.infer<typeof LengthWindowSchema>;
export type ProfileClient = z.infer<typeof ClientSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type PrefixSection = z.infer<typeof PrefixSchema>;

/** JSON Schema (draft 2020-12) of the profile format, generated from the zod schema. */
export function profileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProfileSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: 'https://servegen-ts.dev/schema/profile-v1.json',
    title: 'ServeGen-TS workload profile, version 1',
    ...schema,
  };
}

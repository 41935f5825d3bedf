/**
 * The profile's `prefix` section (profile/schema.ts PrefixSchema) and the prefix model
 * (prefix-model.ts) it stores: fit turns a fitted model into a section, generate a section
 * back into a model.
 */
import type { PrefixSection } from '../profile/schema.js';
import type { PrefixModel } from './prefix-model.js';

/** Quantile levels a section keeps of the model's 101 (0, 0.05, …, 1): 21 numbers a bucket, not 101. */
const KEEP_EVERY = 5;

/** Rounded to 1e-6 (shares) so a profile stays small and its text the same on every machine. */
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** A fitted model as the profile stores it, with its requests' infinite-cache block hit ratio. */
export function prefixSectionOf(model: PrefixModel, requests: number, hitRatio: number): PrefixSection {
  const c = model.coverage;
  const f = model.roots.first;
  return {
    block_tokens: model.blockSize,
    requests,
    hit_ratio: r6(hitRatio),
    roots: {
      distinct: model.roots.distinct,
      theta: r6(model.roots.theta),
      alpha: r6(model.roots.alpha),
      gap_mu: r6(model.roots.gapMu),
      gap_sigma: r6(model.roots.gapSigma),
      ...(f && { first: { share: r6(f.share), gap_mu: r6(f.gapMu), gap_sigma: r6(f.gapSigma), later_mu: r6(f.laterMu), later_sigma: r6(f.laterSigma) } }),
    },
    coverage: {
      edges: [...c.edges],
      counts: [...c.counts],
      repeat_share: c.repeatShare.map((x) => (Number.isFinite(x) ? r6(x) : null)),
      single: c.single.map(r6),
      quantiles: c.quantiles.map((qs) => qs.filter((_, k) => k % KEEP_EVERY === 0).map(r6)),
    },
    reuse: { count: model.reuse.count, redonate: r6(model.reuse.redonate), chain: r6(model.reuse.chain ?? 0), ...(model.reuse.whole !== undefined && { whole: r6(model.reuse.whole) }), gap_mu: r6(model.reuse.gapMu), gap_sigma: r6(model.reuse.gapSigma) },
  };
}

/**
 * The section with `share` (a client's share of requests with ids, when it was fitted on a
 * slice of the log), placed after `requests` as the schema orders it.
 */
export function withShare(s: PrefixSection, share: number): PrefixSection {
  const { block_tokens, requests, ...rest } = s;
  return { block_tokens, requests, share: r6(Math.min(1, share)), ...rest };
}

/** The model a profile's section stores (for generation). */
export function prefixModelOf(s: PrefixSection): PrefixModel {
  const f = s.roots.first;
  return {
    blockSize: s.block_tokens,
    roots: {
      theta: s.roots.theta,
      alpha: s.roots.alpha,
      seTheta: NaN,
      seAlpha: NaN,
      requests: s.requests,
      distinct: s.roots.distinct,
      gapMu: s.roots.gap_mu,
      gapSigma: s.roots.gap_sigma,
      ...(f && { first: { share: f.share, gapMu: f.gap_mu, gapSigma: f.gap_sigma, laterMu: f.later_mu, laterSigma: f.later_sigma } }),
    },
    coverage: {
      edges: [...s.coverage.edges],
      counts: [...s.coverage.counts],
      repeatShare: s.coverage.repeat_share.map((x) => x ?? NaN),
      single: [...s.coverage.single],
      quantiles: s.coverage.quantiles.map((q) => [...q]),
    },
    reuse: { count: s.reuse.count, redonate: s.reuse.redonate, chain: s.reuse.chain ?? 0, ...(s.reuse.whole !== undefined && { whole: s.reuse.whole }), gapMu: s.reuse.gap_mu, gapSigma: s.reuse.gap_sigma },
  };
}

import type { GenerateOptions } from './compose.js';
import { parseRateSpec } from './rate-function.js';
import { definedOnly } from '../util/defined.js';

/**
 * What `servegen generate` uses when a flag is not given (its --help shows these): the CLI
 * takes its defaults from here, so a library generation with them and the CLI's agree.
 */
export const GENERATE_DEFAULTS = {
  /** --start: seconds from the profile's origin. */
  start: 0,
  /** --rate: every client at its profile's rates. */
  rate: 'scale:1',
  /** --seed: same seed → identical output. */
  seed: 0,
  /** --shape: match each window's CV. */
  shapeSource: 'cv',
  /** --max-requests: far above any benchmark run (24 h at 100 req/s is 8.6 M), far below what fills a disk by mistake. */
  maxRequests: 1e9,
} as const;

/**
 * GenerateOptions as `servegen generate --duration D` sets them: GENERATE_DEFAULTS, sessions
 * and gap memory drawn where the profile has them; `options` win (give a RateSpec as `rate`,
 * or parseRateSpec('constant:100')).
 */
export function defaultGenerateOptions(options: Partial<GenerateOptions> & Pick<GenerateOptions, 'duration'>): GenerateOptions {
  return {
    start: GENERATE_DEFAULTS.start,
    rate: parseRateSpec(GENERATE_DEFAULTS.rate),
    seed: GENERATE_DEFAULTS.seed,
    shapeSource: GENERATE_DEFAULTS.shapeSource,
    sessions: true,
    gapMemory: true,
    maxRequests: GENERATE_DEFAULTS.maxRequests,
    ...definedOnly(options),
    duration: options.duration,
  };
}

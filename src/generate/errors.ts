/**
 * How a GenerateError names the options it is about: the library's GenerateOptions fields
 * (`duration`, `maxRequests`, …) and `servegen generate`'s flags (`--duration`,
 * `--max-requests`, …). Library callers read the first (`err.message`); the CLI prints the
 * second (`err.cliMessage`).
 */
export interface OptionNames {
  start: string;
  duration: string;
  rate: string;
  clients: string;
  maxRequests: string;
  /** Generating without session labels. */
  noSessions: string;
}

/** GenerateOptions' own names, in library callers' messages. */
export const OPTION_NAMES: OptionNames = {
  start: 'start',
  duration: 'duration',
  rate: 'rate',
  clients: 'clients',
  maxRequests: 'maxRequests',
  noSessions: 'sessions: false',
};

/** `servegen generate`'s flags for the same options, in the CLI's messages. */
export const GENERATE_FLAGS: OptionNames = {
  start: '--start',
  duration: '--duration',
  rate: '--rate',
  clients: '--clients',
  maxRequests: '--max-requests',
  noSessions: '--no-sessions',
};

/**
 * Bad generation options (rate spec, span, client filter); the CLI exits 2. Its `message`
 * names the options as GenerateOptions does (`duration must be > 0`); `cliMessage` names them
 * as `servegen generate`'s flags (`--duration must be > 0`), which the CLI prints. Found by the
 * generation audit (h-85): library callers were told of `--duration` and `--max-requests`,
 * flags they never gave.
 */
export class GenerateError extends Error {
  readonly code = 'GENERATE_INVALID';
  /** The message with the options named as `servegen generate`'s flags. */
  readonly cliMessage: string;
  /** The message with the options named by `names` (for an error that wraps this one). */
  readonly describe: (names: OptionNames) => string;
  /** @param message the text, or a function of the option names for a text that names options. */
  constructor(message: string | ((names: OptionNames) => string)) {
    const describe = typeof message === 'string' ? () => message : message;
    super(describe(OPTION_NAMES));
    this.name = 'GenerateError';
    this.describe = describe;
    this.cliMessage = describe(GENERATE_FLAGS);
  }
}

/** Bad generation options (rate spec, span, client filter); the CLI exits 2. */
export class GenerateError extends Error {
  readonly code = 'GENERATE_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'GenerateError';
  }
}

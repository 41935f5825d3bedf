/**
 * Typed error for anything wrong with a profile or an upstream pool file.
 * `file` and `where` (a JSON path like `clients[3].arrivals[12].rate`, or `line 17`)
 * locate the problem; the CLI prints `message` and exits 2.
 */
export class ProfileError extends Error {
  readonly code = 'PROFILE_INVALID';
  constructor(
    message: string,
    readonly file?: string,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'ProfileError';
  }
}

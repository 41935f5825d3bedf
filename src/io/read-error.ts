/**
 * Why a file could not be read, in words rather than an errno code or Node's text with the
 * path repeated (found by review: "cannot read profile (ENOENT)", "cannot read thresholds
 * (ENOENT: no such file or directory, open 'nope.json')", "cannot read mapping file" for a
 * directory).
 */
export function readErrorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return e instanceof Error ? e.message.replace(/, \w+ '[^']*'$/, '') : String(err);
  }
}

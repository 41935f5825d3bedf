/** `o` without its keys whose value is undefined: spread over defaults, an explicit `{ seed: undefined }` keeps the default (found by review: it wiped it). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

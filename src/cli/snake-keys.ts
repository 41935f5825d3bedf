/**
 * A copy of a JSON-ready value with its camelCase keys in snake_case (`meanRate` → `mean_rate`,
 * `requestsPerS` → `requests_per_s`), at every depth. Only keys that are camelCase identifiers
 * change: data keys (field names such as `input_tokens`, families, file paths) are left as
 * they are. For `inspect --json`, whose summaries are typed in camelCase in TypeScript while
 * every JSON output of the CLI (validate --json, ingest --summary, profiles) is snake_case.
 */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [/^[a-z][a-zA-Z0-9]*$/.test(k) ? k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : k, snakeKeys(v)]));
}

import { LENGTH_COLUMNS } from '../io/trace-schema.js';

/**
 * Canonical fields a mapping can fill (DESIGN.md, normalized trace), plus `block_count`,
 * `hash_ids` (a prompt's block ids, Mooncake style: equal ids, equal prompt prefixes; kept in
 * the trace renumbered by first use, see Trace.hashIds),
 * `duration` (how long a request took, read only to find its arrival when the timestamp marks
 * its end: `"timestamp": {"marks": "end"}`) and `filter` (a row is kept when its text is one of
 * the mapping's `keep` values); the last two are never kept in the trace.
 */
export const CANONICAL_FIELDS = [
  'timestamp',
  'client_id',
  'model',
  'request_id',
  'session_id',
  'turn',
  ...LENGTH_COLUMNS,
  'block_count',
  'hash_ids',
  'duration',
  'filter',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Integer-valued fields (tokens, counts, turn): non-negative integers, absent allowed. */
export const INT_FIELDS = [...LENGTH_COLUMNS, 'turn', 'block_count'] as const;
export type IntField = (typeof INT_FIELDS)[number];

/** Text fields besides client_id. */
export const TEXT_FIELDS = ['model', 'request_id', 'session_id'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

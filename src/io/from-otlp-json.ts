import type { Readable } from 'node:stream';
import { IngestError } from '../ingest/errors.js';
import { walkPath, type RowAt, type RowSink, type SourceInfo, type SourceKey } from './row-source.js';
import { didYouMean } from './json-text.js';
import { eachTextChunk, LineSplitter, NOT_JSON, parseJsonLine } from './text-lines.js';

/**
 * OpenTelemetry traces as the Collector's `file` exporter writes them (OTLP JSON): one
 * ExportTraceServiceRequest per line, `{"resourceSpans": [{"resource": {"attributes": […]},
 * "scopeSpans": [{"scope": {…}, "spans": [{…}]}]}]}` (opentelemetry-proto
 * docs/specification.md, "JSON Protobuf Encoding": ids as hex, 64-bit integers as decimal
 * strings, enums as integers, lowerCamelCase field names).
 *
 * Every span is a row, addressed by these names (the span's own fields by their OTLP JSON
 * names, attributes under the message that holds them, as the Collector's OTTL says
 * `resource.attributes["service.name"]`):
 * - `name`, `kind`, `traceId`, `spanId`, `parentSpanId`, `startTimeUnixNano`,
 *   `endTimeUnixNano`, `status.code`, `status.message`, … (any path into the span object;
 *   a time of "0" is unset, as in protobuf, so absent);
 * - `attributes.KEY`: the span's attribute KEY (`attributes.gen_ai.usage.input_tokens`);
 * - `resource.attributes.KEY` (`resource.attributes.service.name`);
 * - `scope.name`, `scope.version`, `scope.attributes.KEY`.
 * An attribute key holds dots, so `attributes.a.b.c` is the attribute `a.b.c` when the span has
 * it, else a path into the nearest attribute before it (`a.b` holding a kvlistValue with `c`).
 * Values: stringValue as text, intValue as its decimal text (exact), doubleValue as a number,
 * boolValue, bytesValue (base64 text), arrayValue as an array, kvlistValue as an object.
 */

/** Where a requested key is read from in a span's context. */
type Resolver =
  | { from: 'span'; path: string[] }
  | { from: 'attributes' | 'resource' | 'scope-attributes'; key: string }
  | { from: 'scope'; path: string[] };

function resolverOf(k: SourceKey): Resolver {
  const parts = [k.column, ...k.path];
  const spec = parts.join('.');
  if (spec.startsWith('attributes.')) return { from: 'attributes', key: spec.slice('attributes.'.length) };
  if (spec.startsWith('resource.attributes.')) return { from: 'resource', key: spec.slice('resource.attributes.'.length) };
  if (spec.startsWith('scope.attributes.')) return { from: 'scope-attributes', key: spec.slice('scope.attributes.'.length) };
  if (k.column === 'scope') return { from: 'scope', path: k.path };
  return { from: 'span', path: parts };
}

/** An OTLP AnyValue as a plain value (see the file comment); undefined when empty. */
function anyValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if ('stringValue' in o) return o.stringValue;
  // An int64 is a decimal string (a number from some writers), kept as text: exact. A double is
  // a number, or (the protobuf JSON mapping) "NaN", "Infinity" or a quoted number. Both as they
  // are: a length read from one that is no number is a bad_number, as in any reader.
  if ('intValue' in o) return o.intValue;
  if ('doubleValue' in o) return o.doubleValue;
  if ('boolValue' in o) return o.boolValue;
  if ('bytesValue' in o) return o.bytesValue;
  if ('arrayValue' in o) {
    const values = (o.arrayValue as { values?: unknown } | null)?.values;
    return Array.isArray(values) ? values.map(anyValue) : [];
  }
  if ('kvlistValue' in o) {
    const values = (o.kvlistValue as { values?: unknown } | null)?.values;
    const out: Record<string, unknown> = {};
    if (Array.isArray(values)) for (const kv of values) if (kv && typeof kv === 'object' && typeof (kv as { key?: unknown }).key === 'string') out[(kv as { key: string }).key] = anyValue((kv as { value?: unknown }).value);
    return out;
  }
  return undefined;
}

/** The keys of a list of OTLP KeyValues. */
function attributeKeys(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.filter((kv) => kv !== null && typeof kv === 'object' && typeof (kv as { key?: unknown }).key === 'string').map((kv) => (kv as { key: string }).key);
}

/** The encoded AnyValue of key `key` in a KeyValue list, or NOT_THERE. */
function attributeValue(list: unknown, key: string): unknown {
  if (!Array.isArray(list)) return NOT_THERE;
  for (let i = 0; i < list.length; i++) {
    const kv = list[i] as { key?: unknown; value?: unknown } | null;
    if (kv !== null && typeof kv === 'object' && kv.key === key) return kv.value;
  }
  return NOT_THERE;
}

const NOT_THERE = Symbol('not there');

/**
 * An attribute by key from a KeyValue list: the key itself, else the nearest shorter key (at a
 * dot) holding a kvlist or array, walked by the rest. A linear scan: spans carry a few
 * attributes, and a Map per span cost more than it saved.
 */
function attribute(list: unknown, key: string): unknown {
  const v = attributeValue(list, key);
  if (v !== NOT_THERE) return anyValue(v);
  for (let i = key.lastIndexOf('.'); i > 0; i = key.lastIndexOf('.', i - 1)) {
    const head = attributeValue(list, key.slice(0, i));
    if (head !== NOT_THERE) return walkPath(anyValue(head), key.slice(i + 1).split('.'));
  }
  return undefined;
}

/** A span field: "0" times are unset (protobuf's default), so absent. */
function spanField(span: Record<string, unknown>, path: string[]): unknown {
  const v = path.length === 1 ? span[path[0]] : walkPath(span, path);
  if ((path[0] === 'startTimeUnixNano' || path[0] === 'endTimeUnixNano') && path.length === 1 && (v === '0' || v === 0)) return undefined;
  return v;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The flat names of a span's values (for "did you mean" and preset hints): its fields, attributes, its resource's and scope's. */
export function otlpColumns(resource: unknown, scope: unknown, span: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(span)) {
    if (k === 'attributes') continue;
    if (isObject(v)) for (const sub of Object.keys(v)) out.push(`${k}.${sub}`);
    else out.push(k);
  }
  for (const k of attributeKeys(span.attributes)) out.push(`attributes.${k}`);
  if (isObject(resource)) for (const k of attributeKeys(resource.attributes)) out.push(`resource.attributes.${k}`);
  if (isObject(scope)) {
    for (const k of Object.keys(scope)) if (k !== 'attributes') out.push(`scope.${k}`);
    for (const k of attributeKeys(scope.attributes)) out.push(`scope.attributes.${k}`);
  }
  return out;
}

/** The flat names of the first span of an OTLP JSON line (headColumns' for such a file), or undefined. */
export function otlpLineColumns(line: string): string[] | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  for (const rs of (isObject(o) && Array.isArray(o.resourceSpans) ? o.resourceSpans : []) as unknown[]) {
    if (!isObject(rs) || !Array.isArray(rs.scopeSpans)) continue;
    for (const ss of rs.scopeSpans as unknown[]) {
      if (!isObject(ss) || !Array.isArray(ss.spans)) continue;
      const span = (ss.spans as unknown[]).find(isObject);
      if (span) return otlpColumns(rs.resource, ss.scope, span);
    }
  }
  return undefined;
}

/**
 * Streaming reader of OTLP JSON trace exports (see above): each span a row at the line of its
 * export, `span` its 1-based index among the line's spans (and its path in the JSON) for
 * rejects. A line that is not JSON, or not an export (no `resourceSpans` array), is one
 * `unparseable_line` reject (its spans cannot be counted); a span (or a resourceSpans or
 * scopeSpans entry) that is not an object is one of its own. Values are checked as any
 * reader's are (an intValue "12x" read as a length is a bad_number), after the row filter. A
 * required top-level span field that no span has (a misspelt `startTimeUnixnano`) stops ingest,
 * as a missing column does; an export pretty-printed over several lines too. Accepted spans
 * inside other accepted spans are a warning (NestedCalls).
 */
export async function readOtlpJson(file: string, bytes: Readable, keys: SourceKey[], sink: RowSink, onInfo: (info: SourceInfo) => void, optional: ReadonlySet<string> = new Set()): Promise<void> {
  const resolvers = keys.map(resolverOf);
  const wantSpanAttrs = resolvers.some((r) => r.from === 'attributes');
  const wantResource = resolvers.some((r) => r.from === 'resource');
  const wantScopeAttrs = resolvers.some((r) => r.from === 'scope-attributes');
  const values: unknown[] = new Array(keys.length);
  // Required span fields read by name (not attributes: their absence is the field's, checked by
  // ingest per dotted path) that no span has had yet.
  let unseen = keys.map((k, i) => ({ k, i })).filter(({ k, i }) => resolvers[i].from === 'span' && k.path.length === 0 && !optional.has(k.column)).map(({ i }) => i);
  let firstColumns: string[] | undefined;
  // The span being read, its location and its text, for the sink (which uses them before the
  // next span: one object and one closure for all spans).
  let current: unknown;
  const raw = () => JSON.stringify(current ?? null);
  const where = { index: 0, r: 0, s: 0, k: -1, path(): string {
    return this.k >= 0 ? `resourceSpans[${this.r}].scopeSpans[${this.s}].spans[${this.k}]` : this.s >= 0 ? `resourceSpans[${this.r}].scopeSpans[${this.s}]` : `resourceSpans[${this.r}]`;
  } };
  const at = (index: number, r: number, s: number, k: number) => {
    where.index = index;
    where.r = r;
    where.s = s;
    where.k = k;
    return where;
  };

  const nesting = new NestedCalls();
  let sawLine = false;
  const exportLine = (t: string, line: number) => {
    // An export pretty-printed over many lines (saved from an HTTP payload, say) would be a
    // reject per line: said once, with the conversion.
    if (!sawLine && /^\uFEFF?\s*\{\s*$/.test(t)) throw new IngestError(`${file}:${line}: OTLP JSON pretty-printed over several lines; the reader takes one export per line, as the Collector's file exporter writes: jq -c . ${file} > lines.json`, file, line);
    sawLine = true;
    const obj = parseJsonLine(t, line, sink);
    if (obj === NOT_JSON) return;
    if (!isObject(obj) || !Array.isArray(obj.resourceSpans)) {
      sink.reject(line, 'unparseable_line', 'not an OTLP JSON trace export (a line must be an object with a "resourceSpans" array, as the Collector\'s file exporter writes)', t);
      return;
    }
    let index = 0;
    const rss = obj.resourceSpans as unknown[];
    for (let r = 0; r < rss.length; r++) {
      const rs = rss[r];
      const resource = isObject(rs) ? rs.resource : undefined;
      const resourceAttrs = wantResource && isObject(resource) ? resource.attributes : undefined;
      const sss = isObject(rs) && Array.isArray(rs.scopeSpans) ? (rs.scopeSpans as unknown[]) : [];
      if (!isObject(rs) || (rs.scopeSpans !== undefined && !Array.isArray(rs.scopeSpans))) {
        sink.reject(line, 'unparseable_line', `resourceSpans[${r}]: not a ResourceSpans object with a "scopeSpans" array`, JSON.stringify(rs ?? null), at(++index, r, -1, -1));
        continue;
      }
      for (let s = 0; s < sss.length; s++) {
        const ss = sss[s];
        const spans = isObject(ss) && Array.isArray(ss.spans) ? (ss.spans as unknown[]) : [];
        if (!isObject(ss) || (ss.spans !== undefined && !Array.isArray(ss.spans))) {
          sink.reject(line, 'unparseable_line', `resourceSpans[${r}].scopeSpans[${s}]: not a ScopeSpans object with a "spans" array`, JSON.stringify(ss ?? null), at(++index, r, s, -1));
          continue;
        }
        const scope = ss.scope;
        const scopeAttrs = wantScopeAttrs && isObject(scope) ? scope.attributes : undefined;
        for (let k = 0; k < spans.length; k++) {
          const span = spans[k];
          current = span;
          const loc = at(++index, r, s, k);
          if (!isObject(span)) {
            sink.reject(line, 'unparseable_line', 'a span that is not a JSON object', raw(), loc);
            continue;
          }
          const attrs = wantSpanAttrs ? span.attributes : undefined;
          for (let i = 0; i < resolvers.length; i++) {
            const res = resolvers[i];
            let v: unknown;
            switch (res.from) {
              case 'span':
                v = spanField(span, res.path);
                break;
              case 'attributes':
                v = attribute(attrs, res.key);
                break;
              case 'resource':
                v = attribute(resourceAttrs, res.key);
                break;
              case 'scope-attributes':
                v = attribute(scopeAttrs, res.key);
                break;
              case 'scope':
                v = walkPath(scope, res.path);
                break;
              default: {
                const never: never = res;
                v = never;
              }
            }
            values[i] = v;
          }
          if (unseen.length > 0) {
            firstColumns ??= otlpColumns(resource, scope, span);
            unseen = unseen.filter((i) => values[i] === undefined);
          }
          if (sink.row(values, line, raw, loc) === true) nesting.accepted(span, line, loc);
        }
      }
    }
  };

  const lines = new LineSplitter(exportLine);
  await eachTextChunk(file, bytes, 'OTLP JSON', (text, final) => lines.push(text, final));
  const nested = nesting.warning(file);
  if (nested) onInfo({ warnings: [nested] });
  if (firstColumns !== undefined && unseen.length > 0) {
    const names = [...new Set(unseen.map((i) => keys[i].column))];
    const q = (n: string[]) => n.map((c) => JSON.stringify(c)).join(', ');
    throw new IngestError(`${file}: mapping names column${names.length > 1 ? 's' : ''} ${q(names)} not in any span (names of the first span: ${q(firstColumns)})${didYouMean(names, firstColumns)}`, file);
  }
}

/**
 * Accepted spans inside another accepted span (a framework's `chat` span around its client
 * library's `chat` span): both carry the call's usage, so its tokens count twice. A mapping's
 * filter (on `scope.name`, say) keeps one of the two; this finds such pairs to say so. Pairs are
 * found among the last RECENT (32 Ki) accepted spans (a parent and its child are exported close
 * together: the child when it ends, the parent soon after), so memory stays bounded.
 */
class NestedCalls {
  private static readonly RECENT = 1 << 15;
  /** Keys (spanKey) of recent accepted spans' ids, and of the parent span ids they name. */
  private readonly ids = new Set<number>();
  private readonly parents = new Set<number>();
  /** The same, by arrival in a ring (the oldest overwritten and forgotten; NaN: none). */
  private readonly ringIds = new Float64Array(NestedCalls.RECENT).fill(NaN);
  private readonly ringParents = new Float64Array(NestedCalls.RECENT).fill(NaN);
  private next = 0;
  count = 0;
  first: string | undefined;

  accepted(span: Record<string, unknown>, line: number, at: RowAt): void {
    const id = spanKey(span.spanId);
    if (id !== id) return;
    const parent = spanKey(span.parentSpanId);
    // Its accepted child was read before it, or its accepted parent was.
    if (this.parents.has(id) || this.ids.has(parent)) {
      if (this.count++ === 0) this.first = `line ${line}, span ${at.index} (${at.path()}, span id ${String(span.spanId)})`;
    }
    const k = this.next;
    this.next = (k + 1) % NestedCalls.RECENT;
    this.ids.delete(this.ringIds[k]);
    this.parents.delete(this.ringParents[k]);
    this.ringIds[k] = id;
    this.ringParents[k] = parent;
    this.ids.add(id);
    if (parent === parent) this.parents.add(parent);
  }

  /** The warning for the file, or undefined when no accepted span was inside another. */
  warning(file: string): string | undefined {
    if (this.count === 0) return undefined;
    return `${file}: ${this.count} accepted span${this.count > 1 ? 's are' : ' is'} the parent or child of another accepted span (the first: ${this.first}): both carry the call's usage, so its tokens count twice; keep one of the two with the mapping's filter (by scope.name, say: README, Presets)`;
  }
}

/**
 * A span id (16 hex digits) as a number: its last 13 hex digits (52 bits, exact in a double),
 * NaN when it is none. Not the string: V8 keeps a string parsed from a long line as a slice of
 * the line, so holding ids held their lines (60 MB more at 1 M spans, and 25 % slower).
 */
function spanKey(id: unknown): number {
  if (typeof id !== 'string' || id === '') return NaN;
  // (by character codes: a slice of the id would be one more string per span)
  let x = 0;
  for (let i = Math.max(0, id.length - 13); i < id.length; i++) {
    const c = id.charCodeAt(i) | 32;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return NaN;
    x = x * 16 + d;
  }
  return x;
}

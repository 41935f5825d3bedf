/** Line and column (1-based) of a character offset in a text. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * JSON.parse that turns a syntax error into a message with line and column
 * (Node reports only a character position).
 */
export function parseJsonText(withBom: string, file: string): unknown {
  // A byte-order mark, as Windows editors (Notepad, PowerShell's Out-File) save UTF-8, is no
  // part of the JSON: a profile, mapping or pipeline spec with one was refused as "1:1: invalid
  // JSON (Unexpected token ' ')" (found by the bad-input audit). CSV and JSON-lines inputs skip it too.
  const text = withBom.charCodeAt(0) === 0xfeff ? withBom.slice(1) : withBom;
  // An empty file said "invalid JSON (Unexpected end of JSON input)", which reads as a
  // truncated document (found by a new user's walkthrough: `generate empty.json`, `--map e.json`).
  if (text.trim() === '') throw new SyntaxError(`${file}: empty file (no JSON text)`);
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const m = /position (\d+)/.exec(msg);
    if (m) {
      const { line, column } = lineColumnAt(text, Number(m[1]));
      // (" in JSON at position 17", or " at position 336" after "Unexpected non-whitespace character after JSON")
      throw new SyntaxError(`${file}:${line}:${column}: invalid JSON (${msg.replace(/( in JSON)? at position \d+.*$/, '')})`);
    }
    // V8 gives no position for an unexpected token ("Unexpected token 'x', …"snippet"… is not
    // valid JSON"): the message named no line and carried the snippet's line breaks onto
    // further lines (found by review). Find the offset with a scan of our own.
    const at = jsonErrorOffset(text);
    if (at >= 0) {
      const { line, column } = lineColumnAt(text, at);
      throw new SyntaxError(`${file}:${line}:${column}: invalid JSON (${msg.replace(/, (\.\.\.)?".*$/s, '').replace(/\s+/g, ' ')})`);
    }
    throw new SyntaxError(`${file}: invalid JSON (${msg.replace(/\s+/g, ' ')})`);
  }
}

/** Offset of the first JSON syntax error in `text` (the start of the offending token), or -1 when it is valid. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 34) return void i++;
      if (c < 32) fail();
      if (c !== 92) {
        i++;
        continue;
      }
      const e = text[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
      else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
      else fail();
    }
  };
  const number = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value();
        ws();
        if (text[i] === close) return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    }
    if (c === '"') return str();
    number.lastIndex = i;
    if (number.exec(text)) return void (i = number.lastIndex);
    const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : '';
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) fail(); // (at the character that breaks it, as V8 names it)
    if (!word) fail();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return -1;
  } catch (e) {
    if (typeof e === 'number') return e;
    throw e;
  }
}

/** Formats a path like ['clients', 3, 'arrivals', 12, 'rate'] as `clients[3].arrivals[12].rate`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** The value at a JSON path in a parsed document (undefined where there is none). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/**
 * "; did you mean "tenant" for "tennant"?" when one name is missing and it is near one of
 * `names` (case aside, or within a third of its length in edits), else "". For a mapping's
 * column that a file lacks (found by review: `tennant` listed the header and left the reader
 * to spot it). With several missing the mapping is likely another log's, which the preset hint
 * speaks to, not a slip.
 */
export function didYouMean(missing: readonly string[], names: readonly string[]): string {
  const flat = flatKeyHint(missing, names);
  if (flat) return flat;
  if (missing.length !== 1) return '';
  for (const m of missing) {
    const near = names
      .map((n) => ({ n, d: n.toLowerCase() === m.toLowerCase() ? 0 : editDistance(m.toLowerCase(), n.toLowerCase()) }))
      .filter((x) => x.n !== m && x.d <= Math.max(1, Math.floor(Math.max(x.n.length, m.length) / 3)))
      .sort((x, y) => x.d - y.d || (x.n < y.n ? -1 : 1))[0];
    if (near) return `; did you mean ${JSON.stringify(near.n)} for ${JSON.stringify(m)}?`;
  }
  return '';
}

/**
 * For dotted paths that are keys of the records as they are (`{"usage.prompt_tokens": 5}`: an
 * export that flattened its objects), what to do: a mapping's dots step into nested objects, and
 * such a key was "column "usage" not in any row", or with DuckDB "did you mean
 * "usage.completion_tokens" for "usage.prompt_tokens"?" (found by a new user's review); else ''.
 */
export function flatKeyHint(specs: readonly string[], names: readonly string[]): string {
  const flat = specs.filter((s) => s.includes('.') && names.includes(s));
  if (flat.length === 0) return '';
  return `; ${flat.map((s) => JSON.stringify(s)).join(', ')} ${flat.length > 1 ? 'are keys' : 'is a key'} of the records as written (a flattened export), and a mapping's dots step into nested objects: nest the keys first (JSON lines: jq -c 'reduce to_entries[] as $e ({}; setpath($e.key / "."; $e.value))' in.jsonl > nested.jsonl)`;
}

/** Levenshtein distance, for "did you mean" on short keys (and `--rate` kinds). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** A schema issue as zod reports it (the fields plainIssue reads). */
export type SchemaIssue = { code: string; path: readonly PropertyKey[]; message: string; keys?: readonly string[] };

/**
 * A schema issue as `where: what` in plain words. zod's own text for two common mistakes was
 * "(root): Unrecognized key: \"aggregat\"" and "stages[0].name: Invalid input: expected string,
 * received undefined": an unknown key is named with the keys allowed there (`known`, by the
 * path of the object) and the nearest of them; a missing key is named as missing from its object.
 * `label` names an object in words (`stages[1]` → `stages[1] (stage 2)`). Other issues keep zod's text.
 */
export function plainIssue(issue: SchemaIssue, value: unknown, known?: (path: readonly PropertyKey[]) => readonly string[] | undefined, label: (path: readonly PropertyKey[]) => string = formatJsonPath): string {
  const where = (path: readonly PropertyKey[]) => (path.length === 0 ? 'top level' : label(path));
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const key = issue.keys[0];
    const allowed = known?.(issue.path);
    const near = allowed?.map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) })).filter((x) => x.d <= Math.max(1, Math.floor(x.k.length / 3))).sort((x, y) => x.d - y.d)[0];
    const others = issue.keys.length > 1 ? ` (and ${issue.keys.slice(1).map((k) => JSON.stringify(k)).join(', ')})` : '';
    return `${where(issue.path)}: unknown key ${JSON.stringify(key)}${others}${near ? `; did you mean ${JSON.stringify(near.k)}?` : ''}${allowed ? ` (allowed here: ${allowed.join(', ')})` : ''}`;
  }
  if (issue.code === 'invalid_type' && issue.path.length > 0) {
    const parent = issue.path.slice(0, -1);
    const key = issue.path[issue.path.length - 1];
    const obj = valueAt(value, parent);
    if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && typeof key === 'string' && !(key in obj)) {
      return `${where(parent)}: missing ${JSON.stringify(key)}`;
    }
  }
  return `${formatJsonPath(issue.path)}: ${issue.message}`;
}

/**
 * The error for a JSON text with a key twice in one object (JSON.parse keeps the last without
 * a word), naming file, line, column and the object; undefined when every key is unique.
 */
export function duplicateKeyProblem(text: string, file: string): string | undefined {
  const dup = findDuplicateKey(text);
  if (!dup) return undefined;
  // Keys that are not names bracketed ("0" of a pool's dataset file read as a bare 0).
  let where = '';
  for (const k of dup.keys) where += typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${where === '' ? '' : '.'}${k}` : `[${JSON.stringify(k)}]`;
  if (where === '') where = 'the top level';
  return `${file}:${dup.line}:${dup.column}: key ${JSON.stringify(dup.key)} appears twice in ${where} (JSON keeps only the last one); remove one of them`;
}

/**
 * The first key that appears twice in one object of a JSON text (JSON.parse keeps the last
 * value without a word), with its object's path and its line and column; undefined when every
 * object's keys are distinct. Keys compare after unescaping ("a" and "\u0061" are one key).
 * The text must be valid JSON (parse it first).
 */
export function findDuplicateKey(text: string): { key: string; path: string; keys: (string | number)[]; line: number; column: number } | undefined {
  type Frame = { kind: 'obj'; keys: Set<string>; expectKey: boolean; key: string } | { kind: 'arr'; index: number };
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.kind === 'obj' && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) {
          const keys = stack.slice(0, -1).map((f) => (f.kind === 'obj' ? f.key : f.index));
          return { key, path: formatJsonPath(keys), keys, ...lineColumnAt(text, i) };
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') stack.push({ kind: 'obj', keys: new Set(), expectKey: true, key: '' });
    else if (c === '[') stack.push({ kind: 'arr', index: 0 });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'obj') top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}

/**
 * A JSON text with every non-negative integer literal past 2^53 − 1 in quotes (`[12345678901234567890]` →
 * `["12345678901234567890"]`), so JSON.parse keeps its digits as text instead of rounding it to
 * the nearest double (two 64-bit block hashes one apart read as one id). Strings, fractions and
 * exponents are left as they are. For values read as ids (hash_ids).
 */
export function quoteLongIntegers(text: string, negatives = false): string {
  let out = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote (past escapes).
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      continue;
    }
    const minus = c === 45;
    if (!minus && !(c >= 48 && c <= 57)) continue;
    let j = minus ? i + 1 : i;
    while (j < n && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
    const e = j < n ? text.charCodeAt(j) : 0;
    const integer = e !== 46 && e !== 101 && e !== 69;
    if (integer && (!minus || negatives) && j - i >= 16 && !Number.isSafeInteger(Number(text.slice(i, j)))) {
      out += `${text.slice(from, i)}"${text.slice(i, j)}"`;
      from = j;
    }
    // (the rest of a number with a fraction or exponent holds no other integer literal)
    while (j < n && /[0-9.eE+-]/.test(text[j])) j++;
    i = j - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * The digits of an integer literal past 2^53 − 1 (either sign) at a key of a JSON record's text,
 * as written there (`{"client_id": 1234567890123456789}` → "1234567890123456789", where
 * JSON.parse reads the double 1234567890123456800 and its neighbour …790 reads the same);
 * undefined when the text holds no such literal there (a fraction or exponent: a double as
 * written; an unparseable text). The caller read a number there (a text of digits at the key
 * reads as itself). For a value read as text (ids), in both engines alike: the
 * DuckDB engine reads such a column as JSON and takes the literal's text (sql.ts jsonText).
 */
export function longIntegerText(text: string, column: string, path: readonly string[]): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(quoteLongIntegers(text, true)) as unknown;
  } catch {
    return undefined;
  }
  for (const p of [column, ...path]) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[p] : undefined;
  return typeof v === 'string' && /^-?\d+$/.test(v) ? v : undefined;
}

/** Arrays and objects parsed from JSON texts with integers past 2^53 → their twins parsed with those kept as digit texts (parseJsonKeepingDigits). */
const exactTwins = new WeakMap<object, unknown>();

/**
 * JSON.parse of a text, and when it holds an integer past 2^53 (JSON.parse rounds it), each of
 * the value's arrays and objects remembered with its twin parsed with such integers as digit
 * texts (quoteLongIntegers): the value is read as before by every field, and hash_ids can have
 * their digits back (exactTwinList). A Parquet JSON column's values (PARQUET_PARSERS).
 */
export function parseJsonKeepingDigits(text: string): unknown {
  const v = JSON.parse(text) as unknown;
  if (/\d{16}/.test(text)) pairTwins(v, JSON.parse(quoteLongIntegers(text)));
  return v;
}

function pairTwins(v: unknown, exact: unknown): void {
  if (v === null || typeof v !== 'object' || exact === null || typeof exact !== 'object') return;
  exactTwins.set(v, exact);
  for (const k of Object.keys(v)) pairTwins((v as Record<string, unknown>)[k], (exact as Record<string, unknown>)[k]);
}

/** The twin of an array parsed by parseJsonKeepingDigits with digits kept (withoutLongNumbers: none when a double past 2^53 is left). */
export function exactTwinList(v: unknown): unknown[] | undefined {
  const twin = v !== null && typeof v === 'object' ? exactTwins.get(v) : undefined;
  return Array.isArray(twin) ? withoutLongNumbers(twin) : undefined;
}

/**
 * A list of ids read again from a decoded row (Parquet), or none when a number past 2^53 is left
 * in it: a double there holds no digits to read (hash_ids; both engines, so that the same rows
 * are bad in the same words).
 */
export function withoutLongNumbers(list: unknown[] | undefined): unknown[] | undefined {
  return list?.some((x) => typeof x === 'number' && x > Number.MAX_SAFE_INTEGER) ? undefined : list;
}

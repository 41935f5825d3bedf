/**
 * Seeded random inputs for the engines' differential fuzzer (engine-fuzz.test.ts): small logs
 * whose *structure* varies — CSV/TSV quoting, line endings, blank lines, BOM, headers with
 * extra, reordered or missing columns, rows with too few or too many fields; JSON lines with
 * missing keys, nulls, nested paths, numbers as strings, mixed types — read through a preset or
 * a random mapping (columns, joined lists, coalesce, const, length, optional, timestamp unit).
 */
import { writeFileSync } from 'node:fs';
import { parseMapping, type FieldSource, type Mapping } from '../../src/ingest/mapping.js';
import { loadPreset } from '../../src/ingest/presets.js';
import { createRng } from '../../src/stats/rng.js';

export type FuzzKind = 'csv' | 'tsv' | 'jsonl';

export interface FuzzCase {
  kind: FuzzKind;
  /** The mapping as given to parseMapping (a preset's name, or the mapping object). */
  mappingText: string;
  mapping: Mapping;
  /** File names (under the case's directory) and their contents. */
  files: { name: string; text: string }[];
}

const PRESETS: Record<FuzzKind, string[]> = { csv: ['azure-llm-2023', 'azure-multimodal-2024', 'burstgpt', 'litellm-spendlogs', 'servegen'], tsv: [], jsonl: ['aiperf-records', 'aws-bedrock-invocations', 'mooncake', 'openai-usage', 'servegen'] };

/**
 * What a case's random mapping may add (off by default, so that the cases of a seed stay those
 * they were): end times (`columns.duration`, `"marks": "end"`) and a row filter
 * (`columns.filter`, `keep`), each with probability 0.6 when asked.
 */
export interface FuzzExtras {
  endTimes?: boolean;
  filter?: boolean;
}

/** The one case a seed and an index give (independent of the other cases). */
export function fuzzCase(seed: string, index: number, kinds: readonly FuzzKind[] = ['csv', 'tsv', 'jsonl'], extras: FuzzExtras = {}): FuzzCase {
  const rng = createRng(seed).split(`case-${index}`);
  const u = () => rng.next();
  const r = (k: number) => Math.floor(u() * k);
  const pick = <T,>(a: readonly T[]): T => a[r(a.length)];
  const chance = (p: number) => u() < p;
  const kind = pick(kinds);

  // --- the mapping: a preset, or a random one ---
  let mappingText: string;
  let mapping: Mapping;
  const presets = PRESETS[kind];
  const withExtras = Boolean(extras.endTimes || extras.filter);
  if (presets.length > 0 && !withExtras && chance(0.3)) {
    mappingText = pick(presets);
    mapping = loadPreset(mappingText);
  } else {
    const names = ['ts', 'time', 'Timestamp', 'created at', 'client', 'Tenant', 'user', 'api key', 'model', 'Model Name', 'sess', 'rid', 'in', 'Input Tokens', 'out', 'completion', 'img', 'turn', 'hash_ids', 'x', 'Y'];
    const dotted = ['usage.prompt_tokens', 'usage.completion_tokens', 'meta.client', 'meta.model', 'a.b.c', 'req.time'];
    const used = new Set<string>();
    const col = () => {
      const pool = kind === 'jsonl' && chance(0.3) ? dotted : names;
      for (let k = 0; k < 20; k++) {
        const c = pick(pool);
        if (!used.has(c) && !used.has(c.toLowerCase())) {
          used.add(c);
          return c;
        }
      }
      const c = `c${used.size}`;
      used.add(c);
      return c;
    };
    const columns: Record<string, FieldSource> = { timestamp: col() };
    const optional: string[] = [];
    const text = (f: string) => {
      const k = r(6);
      if (k === 0) return;
      if (k === 1) columns[f] = { const: pick(['k', 'Client A', 'ü', 7, 0]) };
      else if (k === 2 && f === 'client_id') columns[f] = [col(), col()];
      else if (k === 3) columns[f] = { coalesce: [col(), col()] };
      else columns[f] = col();
      if (chance(0.3)) optional.push(f);
    };
    text('client_id');
    text('model');
    if (chance(0.3)) text('session_id');
    if (chance(0.3)) text('request_id');
    for (const f of ['input_tokens', 'output_tokens', 'image_count', 'turn', 'block_count']) {
      if (f !== 'input_tokens' && f !== 'output_tokens' && !chance(0.25)) continue;
      if (chance(0.15)) continue;
      columns[f] = f === 'block_count' || chance(0.07) ? { length: col() } : chance(0.05) ? { const: pick([3, '4', 0]) } : col();
      if (chance(0.25)) optional.push(f);
    }
    const m: Record<string, unknown> = { columns };
    if (kind !== 'jsonl' || chance(0.5)) m.format = kind;
    const unit = pick(['s', 's', 'ms', 'iso', 'auto', 'auto', 'us', 'ns', undefined]);
    if (unit !== undefined || chance(0.2)) m.timestamp = { ...(unit ? { unit } : {}), ...(chance(0.2) ? { timezone: pick(['+08:00', 'UTC', '-05:30']) } : {}) };
    if (chance(0.3)) m.separator = pick(['|', ' / ', '']);
    if (optional.length) m.optional = optional;
    if (extras.endTimes && chance(0.6)) {
      columns.duration = col();
      m.timestamp = { ...(m.timestamp as object | undefined), marks: 'end', duration_unit: pick(['s', 'ms', 'us', 'ns']) };
    }
    if (extras.filter && chance(0.6)) {
      // Texts the filter's values (textVal) often have, so that most cases keep some rows.
      const vocab = ['a', 'b', 'c', 'A', '1', 1];
      const some = () => vocab.filter(() => chance(0.5));
      if (chance(0.3)) {
        columns.filter = [col(), col()];
        const sep = (m.separator as string | undefined) ?? '/';
        const keep = some().flatMap((x) => some().map((y) => `${x}${sep}${y}`));
        m.keep = [...keep, ...(chance(0.3) ? [`a${sep}`, `${sep}b`] : [])];
      } else {
        columns.filter = col();
        m.keep = some();
      }
      if ((m.keep as unknown[]).length === 0) m.keep = ['a'];
      // {"prefix": …} entries too (no draw of their own: the cases before them stay as they were).
      if ((m.keep as unknown[]).includes('A')) (m.keep as unknown[]).push({ prefix: 'b' }, { prefix: `1${(m.separator as string | undefined) ?? '/'}` });
      // drop instead of keep: the same texts excluded, every other row (a blank filter too) kept.
      if (chance(0.4)) {
        m.drop = m.keep;
        delete m.keep;
      }
    }
    mappingText = JSON.stringify(m);
    mapping = parseMapping(m, 'fuzz-map.json');
  }
  const unit = mapping.timestamp?.unit ?? 'auto';
  const tsMode = unit === 'iso' ? 'iso' : unit === 'auto' ? pick(['s', 'ms', 'iso', 'rel']) : unit;

  // --- the physical columns each field reads ---
  const sourceCols = (s: FieldSource): string[] => (typeof s === 'string' ? [s] : Array.isArray(s) ? s : 'coalesce' in s ? s.coalesce : 'length' in s ? [s.length] : []);
  const fieldOf = new Map<string, string>();
  for (const [f, s] of Object.entries(mapping.columns)) for (const c of sourceCols(s!)) if (!fieldOf.has(c)) fieldOf.set(c, s !== null && typeof s === 'object' && !Array.isArray(s) && 'length' in s ? 'length' : f);

  // --- values ---
  const base = pick([1_700_000_000, 1_600_000_000.5, 0, 86_400, 1_234_567_890]);
  const iso = (sec: number) => {
    const d = new Date(Math.round(sec * 1000));
    const s = d.toISOString();
    const form = r(8);
    if (form === 0) return s;
    if (form === 1) return s.replace('T', ' ').replace('Z', '');
    if (form === 2) return s.replace('Z', '+00:00');
    if (form === 3) return s.replace('.000Z', 'Z').replace(/\.(\d+)Z/, '.$1Z');
    if (form === 4) return s.slice(0, 19);
    if (form === 5) return s.replace('Z', pick(['+02:00', '-0800', ' UTC', 'z']));
    if (form === 6) return s.replace('T', ' ').replace('Z', '0000');
    return s.slice(0, 10);
  };
  const timeText = (sec: number): string => {
    if (chance(0.04)) return pick(['', ' ', 'abc', 'NaN', '-', '1e999', '2023-02-30 00:00:00', 'inf', '\t']);
    const mode = chance(0.05) ? pick(['s', 'ms', 'iso']) : tsMode;
    if (mode === 'iso') return iso(base + sec);
    if (mode === 'rel') return numText(sec, true);
    const mult = mode === 'ms' ? 1e3 : mode === 'us' ? 1e6 : mode === 'ns' ? 1e9 : 1;
    const v = (base + sec) * mult;
    return numText(chance(0.5) ? Math.round(v) : v, true);
  };
  const numText = (v: number, time = false): string => {
    const s = String(v);
    if (!chance(0.25)) return s;
    const k = r(9);
    if (k === 0) return ` ${s} `;
    if (k === 1) return `+${s}`;
    if (k === 2 && Number.isInteger(v)) return `${s}.0`;
    if (k === 3 && Number.isInteger(v) && v >= 0 && !time) return `00${s}`;
    if (k === 4 && Number.isInteger(v) && v !== 0 && v % 1000 === 0) return `${v / 1000}e3`;
    if (k === 5) return `\t${s}`;
    if (k === 6 && v === 0) return '-0';
    if (k === 7) return `${s}E0`;
    return s;
  };
  const tokText = (): string | number | null | undefined => {
    const k = r(30);
    if (k === 0) return '';
    if (k === 1) return '  ';
    if (k === 2) return pick(['abc', '1.5', '-2', '0x10', '1_000', '1e3', '2.0', '-0', '+3', '007', ' 5 ', '1e999', '3.', '.5', '9007199254740993', '1,5', '١٢', 'NaN', 'Infinity', '5#', '#5', 'null', 'true']);
    if (k === 3) return kind === 'jsonl' ? pick([null, undefined, true, 1.5, -3, '7', 1e21, [1]] as const) as never : '';
    const v = pick([0, 1, 2, 5, 17, 100, 1000, 4096, 32000]);
    return kind === 'jsonl' && chance(0.8) ? (chance(0.1) ? -v : v) : numText(v);
  };
  const textVal = (): string | number | null | undefined => {
    const k = r(40);
    if (k < 20) return pick(['a', 'b', 'c', 'A']);
    if (k < 24) return pick(['ü', '客户', 'émoji😀', 'Ω']);
    if (k === 24) return '';
    if (k === 25) return ' ';
    if (k === 26) return pick(['a,b', 'q"t', '"q"', '#x', 'x#y', 'a\tb', 'a\nb', 'a\r\nb', ' pad ', 'unknown', 'default', "o'k", '\\', 'a;b']);
    if (k === 27) return 'x'.repeat(pick([300, 5000, 70000]));
    if (k === 28 && kind === 'jsonl') return pick([null, undefined, 5, 1.5, true, { a: 1 }, [1, 2]] as const) as never;
    if (k === 29) return pick(['1', '01', '1.0', '-0', 'NULL', 'null', 'NA', 'N/A', 'nan', 'true', '2023-1-5', '2023-11-14', '2023-11-14 10:00:00', '10:00']);
    if (k === 30) return String(r(100));
    return pick(['a', 'b', 'c']);
  };
  const lengthVal = (): unknown => {
    const k = r(12);
    if (k === 0) return '';
    if (k === 1) return pick(['abc', '5', '[1,', '[]', '[1, 2]', ' [3] ', '{"a":1}', '[[1],[2]]']);
    if (k === 2 && kind === 'jsonl') return pick([null, undefined, 5, 'x', {}] as const) as never;
    const a = Array.from({ length: r(6) }, (_, i) => i * 7);
    return kind === 'jsonl' && chance(0.8) ? a : JSON.stringify(a);
  };
  const valueFor = (field: string, sec: number): unknown => {
    if (field === 'timestamp') {
      const t = timeText(sec);
      if (kind === 'jsonl' && chance(0.6) && t.trim() !== '' && Number.isFinite(Number(t)) && !/^\s|\s$|^\+|e|E/.test(t)) return Number(t);
      return t;
    }
    if (['client_id', 'model', 'session_id', 'request_id', 'filter'].includes(field)) return textVal();
    if (field === 'duration' && chance(0.4)) {
      const v = u() * pick([1, 50, 5000]);
      return kind === 'jsonl' && chance(0.5) ? v : numText(chance(0.5) ? Math.round(v * 1000) / 1000 : v);
    }
    if (field === 'length') return lengthVal();
    return tokText();
  };

  // --- files ---
  const nFiles = chance(0.75) ? 1 : 2 + r(2);
  const files: { name: string; text: string }[] = [];
  const ext = kind === 'tsv' ? 'tsv' : kind === 'jsonl' ? 'jsonl' : 'csv';
  let t = 0;
  for (let fi = 0; fi < nFiles; fi++) {
    const cols: string[] = [];
    for (const [c, f] of fieldOf) {
      const optionalField = [...fieldOf].some(([c2, f2]) => c2 === c && (mapping.optional ?? []).includes(f2 as never));
      const inCoalesce = Object.values(mapping.columns).some((s) => s !== null && typeof s === 'object' && 'coalesce' in s && s.coalesce.includes(c));
      // Optional or coalesced columns are sometimes missing from a file; rarely a required one (a refusal).
      if ((optionalField || inCoalesce) && chance(0.3)) continue;
      if (chance(0.01)) continue;
      cols.push(c);
      void f;
    }
    const extras = ['extra', 'Notes', 'unused col', 'id2'];
    for (const e of extras) if (chance(0.2)) cols.push(e);
    // Column order.
    for (let i = cols.length - 1; i > 0; i--) {
      const j = r(i + 1);
      [cols[i], cols[j]] = [cols[j], cols[i]];
    }
    const nRows = pick([0, 1, 2, 3, 5, 8, 8, 12, 12, 20, 40]);
    const rows: Record<string, unknown>[] = [];
    const order = chance(0.7) ? 'asc' : chance(0.5) ? 'shuffle' : 'equal';
    for (let i = 0; i < nRows; i++) {
      if (order !== 'equal' || chance(0.5)) t += pick([0, 0.001, 0.5, 1, 2.25, 7, 30]);
      const row: Record<string, unknown> = {};
      for (const c of cols) {
        const f = fieldOf.get(c);
        row[c] = f === undefined ? pick(['x', '', '1', 'z,z', '#']) : valueFor(f, t);
      }
      rows.push(row);
    }
    if (order === 'shuffle')
      for (let i = rows.length - 1; i > 0; i--) {
        const j = r(i + 1);
        [rows[i], rows[j]] = [rows[j], rows[i]];
      }
    const text = kind === 'jsonl' ? jsonlText(cols, rows, { r, pick, chance }) : csvText(cols, rows, kind === 'tsv' ? '\t' : ',', { r, pick, chance });
    files.push({ name: `f${fi}.${ext}`, text });
  }
  return { kind, mappingText, mapping, files };
}

interface Draw {
  r: (k: number) => number;
  pick: <T>(a: readonly T[]) => T;
  chance: (p: number) => boolean;
}

function csvText(cols: string[], rows: Record<string, unknown>[], delim: string, { r, pick, chance }: Draw): string {
  const eolMode = pick(['lf', 'lf', 'lf', 'crlf', 'crlf', 'crlf', 'crlf', 'mixed']);
  const eol = () => (eolMode === 'lf' ? '\n' : eolMode === 'crlf' ? '\r\n' : pick(['\n', '\r\n']));
  const field = (v: unknown): string => {
    const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    const must = s.includes(delim) || s.includes('"') || s.includes('\n') || s.includes('\r');
    return must || chance(0.1) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const headerName = (c: string) => (chance(0.03) ? c.toUpperCase() : chance(0.03) ? ` ${c}` : c);
  const lines: string[] = [cols.map((c) => field(headerName(c))).join(delim)];
  for (const row of rows) {
    let cells = cols.map((c) => field(row[c]));
    if (chance(0.02)) cells = cells.slice(0, Math.max(0, cells.length - 1 - r(2)));
    // (An extra empty last field, `1,a,`, DuckDB's sniffed read dropped unseen: now counted, duckdb-csv-fields.ts.)
    else if (chance(0.02)) cells = [...cells, pick(['x', '7', ''])];
    lines.push(cells.join(delim));
    if (chance(0.03)) lines.push(pick(['', '', ' ', delim.repeat(cols.length - 1)]));
  }
  let text = (chance(0.15) ? '\ufeff' : '') + lines.map((l) => l + eol()).join('');
  if (chance(0.2)) text = text.replace(/\r?\n$/, '');
  if (chance(0.1)) text += pick(['\n', '\r\n', '\n\n', ' \n']);
  return text;
}

function jsonlText(cols: string[], rows: Record<string, unknown>[], { pick, chance }: Draw): string {
  const eolMode = pick(['lf', 'lf', 'crlf', 'mixed']);
  const eol = () => (eolMode === 'lf' ? '\n' : eolMode === 'crlf' ? '\r\n' : pick(['\n', '\r\n']));
  const lines: string[] = [];
  for (const row of rows) {
    const o: Record<string, unknown> = {};
    for (const c of cols) {
      const v = row[c];
      if (v === undefined) continue;
      const path = c.split('.');
      if (path.length > 1 && !chance(0.05)) {
        let at = o;
        for (const p of path.slice(0, -1)) {
          if (at[p] === null || typeof at[p] !== 'object') at[p] = {};
          at = at[p] as Record<string, unknown>;
        }
        at[path[path.length - 1]] = v;
      } else o[c] = v;
    }
    lines.push(chance(0.1) ? JSON.stringify(o, null, 0).replace(/,/g, ', ').replace(/":"/g, '": "') : JSON.stringify(o));
    if (chance(0.03)) lines.push(pick(['', ' ', '\t']));
  }
  let text = lines.map((l) => l + eol()).join('');
  if (chance(0.2)) text = text.replace(/\r?\n$/, '');
  if (chance(0.1)) text += pick(['\n', '\r\n', '\n\n']);
  return text;
}

/** Writes a case's files (and its mapping as map.json) under dir; returns the files' paths. */
export function writeFuzzCase(c: FuzzCase, dir: string): string[] {
  writeFileSync(`${dir}/map.json`, c.mappingText.startsWith('{') ? c.mappingText : JSON.stringify(loadPreset(c.mappingText)));
  return c.files.map((f) => {
    writeFileSync(`${dir}/${f.name}`, f.text);
    return `${dir}/${f.name}`;
  });
}

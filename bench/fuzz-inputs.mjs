#!/usr/bin/env node
// Bad-input audit of the files users hand-edit: profiles (generate, inspect, export-servegen),
// mapping files (ingest --map) and pipeline specs (run). Mutates real files path by path (no
// randomness: a run is repeatable), runs the CLI in-process on each and reports every outcome that breaks the
// contract: exit 3 (an internal error), a stack trace, an exit-2 message that names neither the
// file nor the field, or exit 0 with output that is wrong (NaN or negative times or lengths).
//
//   npx tsc -p tsconfig.build.json && node bench/fuzz-inputs.mjs profile /tmp/p.json [--limit N]
//   node bench/fuzz-inputs.mjs map presets/azure-llm-2023.json fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_code.csv
//   node bench/fuzz-inputs.mjs pipeline my-pipeline.json   (a small one: every stage runs per mutation)
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../dist/cli/main.js';

/** Values a leaf is replaced with: wrong type, NaN-like, negative, huge, empty. */
const REPLACEMENTS = [
  ['string', 'x'],
  ['number', 5],
  ['negative', -1],
  ['zero', 0],
  ['huge', 1e308],
  ['fraction', 0.5],
  ['null', null],
  ['nan-text', 'NaN'],
  ['bool', true],
  ['empty-array', []],
  ['empty-object', {}],
];

/** Every JSON path of a value (arrays: the first two elements and the last), with its value. */
export function paths(value, at = [], out = []) {
  out.push([at, value]);
  if (Array.isArray(value)) {
    const idx = [...new Set([0, 1, value.length - 1])].filter((i) => i >= 0 && i < value.length);
    for (const i of idx) paths(value[i], [...at, i], out);
  } else if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) paths(value[k], [...at, k], out);
  }
  return out;
}

function setAt(root, at, fn) {
  const copy = structuredClone(root);
  if (at.length === 0) return fn(copy);
  let o = copy;
  for (const k of at.slice(0, -1)) o = o[k];
  const last = at[at.length - 1];
  const r = fn(o[last], o, last);
  if (r === DELETE) {
    if (Array.isArray(o)) o.splice(last, 1);
    else delete o[last];
  } else o[last] = r;
  return copy;
}
const DELETE = Symbol('delete');

/** The mutations of one document: [name, () => text] (made when used: a large profile has thousands). */
export function mutations(doc, { everyLeaf = true } = {}) {
  const out = [];
  for (const [at, value] of paths(doc)) {
    if (at.length === 0) continue;
    const name = at.join('.');
    out.push([`delete ${name}`, () => setAt(doc, at, () => DELETE)]);
    if (!everyLeaf && value && typeof value === 'object') continue;
    for (const [what, r] of REPLACEMENTS) {
      if (JSON.stringify(r) === JSON.stringify(value)) continue;
      out.push([`${name} = ${what}`, () => setAt(doc, at, () => structuredClone(r))]);
    }
    if (Array.isArray(value) && value.length > 1) {
      out.push([`${name} reversed`, () => setAt(doc, at, (v) => [...v].reverse())]);
      out.push([`${name} one more`, () => setAt(doc, at, (v) => [...v, v[v.length - 1]])]);
      out.push([`${name} one less`, () => setAt(doc, at, (v) => v.slice(0, -1))]);
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) out.push([`${name} unknown key`, () => setAt(doc, at, (v) => ({ ...v, zzz_unknown: 1 }))]);
  }
  return out.map(([n, d]) => [n, () => JSON.stringify(d())]);
}

/** Whole-text mutations: truncated, BOM, duplicate key, not JSON. */
export function textMutations(text) {
  const t = text.trimEnd();
  const brace = t.indexOf('{');
  return [
    ['truncated half', t.slice(0, Math.floor(t.length / 2))],
    ['truncated last byte', t.slice(0, -1)],
    ['BOM', '\ufeff' + text],
    ['duplicate first key', t.slice(0, brace + 1) + t.slice(brace + 1, t.indexOf(',', brace)) + ',' + t.slice(brace + 1)],
    ['empty', ''],
    ['array', '[]'],
    ['number', '42'],
  ].map(([n, b]) => [n, () => b]);
}

/** Runs the CLI in-process: exit code and what it wrote. */
export async function run(args) {
  let stdout = '';
  let stderr = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = (c) => ((stdout += String(c)), true);
  process.stderr.write = (c) => ((stderr += String(c)), true);
  try {
    const code = await main(['node', 'servegen', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
}

/** What is wrong with a generated jsonl trace, or null. */
export function traceProblem(file) {
  if (!existsSync(file)) return 'exit 0 and no output file';
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  let prev = -Infinity;
  for (const line of lines.slice(1)) {
    const r = JSON.parse(line);
    if (!(typeof r.timestamp === 'number' && Number.isFinite(r.timestamp) && r.timestamp >= 0)) return `bad timestamp ${line.slice(0, 80)}`;
    if (r.timestamp < prev) return `timestamps out of order ${line.slice(0, 80)}`;
    prev = r.timestamp;
    for (const k of ['input_tokens', 'output_tokens', 'reasoning_tokens', 'image_tokens', 'image_count', 'audio_tokens', 'video_tokens']) {
      if (k in r && !(Number.isInteger(r[k]) && r[k] >= 0)) return `bad ${k} ${line.slice(0, 120)}`;
    }
    if (r.hash_ids && !r.hash_ids.every((h) => Number.isInteger(h) && h >= 0)) return `bad hash_ids ${line.slice(0, 120)}`;
  }
  return null;
}

/** Judges an outcome against the contract: a finding, or null. */
export function judge(res, file, fieldHint) {
  const err = res.stderr;
  if (res.code === 3) return `exit 3: ${err.trim().split('\n').pop()}`;
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(err)) return `stack trace: ${err.slice(0, 200)}`;
  if (res.code === 2) {
    const line = err.trim().split('\n').filter((l) => l.startsWith('servegen:')).pop() ?? err.trim();
    if (!line.includes(file)) return `message does not name the file: ${line}`;
    if (fieldHint && !line.includes(fieldHint)) return `message does not name ${fieldHint}: ${line}`;
  }
  return null;
}

/**
 * Runs `check(name, file)` on every mutation of `src` (evenly spaced down to `limit` of them),
 * each written to `file` first; prints and returns the findings it gives.
 */
async function audit(src, file, limit, check) {
  const text = readFileSync(src, 'utf8');
  const all = [...mutations(JSON.parse(text)), ...textMutations(text)];
  const step = limit && all.length > limit ? all.length / limit : 1;
  const findings = [];
  for (let i = 0; i < all.length; i += step) {
    const [name, make] = all[Math.floor(i)];
    writeFileSync(file, make());
    for (const f of await check(name)) findings.push(f), console.log(f);
  }
  return findings;
}

/** Whole-text mutations, whose messages name no JSON path. */
const TEXT_MUTATIONS = new Set(['empty', 'array', 'number', 'BOM', 'duplicate first key', 'truncated half', 'truncated last byte']);

function auditProfile(src, dir, limit) {
  const file = join(dir, 'p.json');
  const out = join(dir, 'g.jsonl');
  return audit(src, file, limit, async (name) => {
    rmSync(out, { force: true });
    const leaf = name.startsWith('delete ') ? name.slice(7) : name.split(' ')[0];
    const top = leaf.split('.')[0];
    const found = [];
    for (const args of [
      ['generate', file, '--duration', '600', '--seed', '1', '--out', out, '--quiet'],
      ['inspect', file, '--json'],
      ['export-servegen', file, '--out', join(dir, 'pool'), '--quiet'],
    ]) {
      rmSync(join(dir, 'pool'), { recursive: true, force: true });
      const res = await run(args);
      let f = judge(res, file, undefined);
      if (!f && res.code === 0 && args[0] === 'generate') f = traceProblem(out);
      if (!f && res.code === 2 && !TEXT_MUTATIONS.has(name) && !res.stderr.includes(top)) f = `message does not name the path (${leaf}): ${res.stderr.trim()}`;
      if (f) found.push(`${args[0]} ${name}: ${f}`);
    }
    return found;
  });
}

function auditSettings(kind, src, dir, limit, input) {
  const file = join(dir, kind === 'map' ? 'm.json' : 'pipe.json');
  return audit(src, file, limit, async (name) => {
    const args = kind === 'map' ? ['ingest', input, '--map', file, '--out', join(dir, 't.jsonl'), '--quiet'] : ['run', file, '--quiet'];
    const f = judge(await run(args), file, undefined);
    return f ? [`${kind} ${name}: ${f}`] : [];
  });
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop());
if (isMain) {
  const [kind, src, ...rest] = process.argv.slice(2);
  const li = rest.indexOf('--limit');
  const limit = li >= 0 ? Number(rest[li + 1]) : 0;
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  const findings = kind === 'profile' ? await auditProfile(src, dir, limit) : await auditSettings(kind, src, dir, limit, rest[0]);
  console.error(`${findings.length} findings`);
}

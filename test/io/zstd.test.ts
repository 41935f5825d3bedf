import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/ingest/ingest.js';
import { IngestError } from '../../src/ingest/errors.js';
import { parseMapping } from '../../src/ingest/mapping.js';
import { buildSummaries } from '../../src/summary/build.js';
import { summarizeWithDuckDB } from '../../src/summary/duckdb.js';
import { DuckDbReadError } from '../../src/summary/duckdb-errors.js';
import { compressionOf, formatFromName } from '../../src/io/input.js';
import { fileKind } from '../../src/io/file-kind.js';
import { createZstdDecompress, isZstdMagic, zstdLayout } from '../../src/io/zstd.js';
import { readProfile } from '../../src/profile/read.js';
import { expectEqualSummaries } from '../summary/equal-summaries.js';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

// fixtures/formats/*.zst were made with the zstd tool (v1.5.4) from the plain fixtures beside
// them: trace.csv.zst and trace.tsv.zst one frame each (-19); trace.jsonl.zst two frames, the
// file cut at byte 20 000 and each part compressed on its own, the second without a checksum.
const mapping = parseMapping({ columns: { timestamp: 'ts', client_id: ['model', 'log_type'], model: 'model', session_id: 'session', input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }, 'test-mapping');
const W = { arrivalSeconds: 600, lengthSeconds: 21600, resolution: 0.001 };

/** A skippable frame (RFC 8878 §3.1.2): magic 0x184D2A5?, 4-byte length, that many bytes. */
function skippableFrame(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(0x184d2a53, 0);
  head.writeUInt32LE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

describe('zstd-compressed inputs', () => {
  it('are recognised by their bytes; their format is the name before .zst / .zstd', () => {
    expect(compressionOf(fixture('formats', 'trace.csv.zst'))).toBe('zstd');
    expect(compressionOf(fixture('formats', 'trace.csv.gz'))).toBe('gzip');
    expect(compressionOf(fixture('formats', 'trace.csv'))).toBeUndefined();
    expect(isZstdMagic(skippableFrame(new Uint8Array(3)))).toBe(true);
    expect(isZstdMagic(Buffer.from('(\xb5/', 'latin1'))).toBe(false);
    expect(formatFromName('logs/day.JSONL.ZST')).toBe('jsonl');
    expect(formatFromName('day.csv.zstd')).toBe('csv');
  });

  it('read as the plain file: CSV, TSV and JSON lines of two frames (the TypeScript engine)', async () => {
    for (const [plain, zst] of [
      ['trace.csv', 'trace.csv.zst'],
      ['trace.tsv', 'trace.tsv.zst'],
      ['trace.jsonl', 'trace.jsonl.zst'],
    ]) {
      const a = await ingestFiles({ inputs: [fixture('formats', plain)], mapping });
      const b = await ingestFiles({ inputs: [fixture('formats', zst)], mapping });
      expect(b.summary.rows_read, zst).toBe(400);
      expect(b.summary.rows_rejected, zst).toBe(0);
      expectEqualSummaries(buildSummaries(a.trace, W), buildSummaries(b.trace, W));
    }
  });

  it('whatever the name, and with a skippable frame before the data (as pzstd writes)', async () => {
    const dir = tempDir();
    const named = join(dir, 'trace.csv');
    writeFileSync(named, Buffer.concat([skippableFrame(Buffer.from('any bytes')), readFileSync(fixture('formats', 'trace.csv.zst'))]));
    expect(zstdLayout(named)).toEqual({ at: -1, size: readFileSync(named).length, frames: 2 });
    const a = await ingestFiles({ inputs: [fixture('formats', 'trace.csv')], mapping });
    const b = await ingestFiles({ inputs: [named], mapping });
    expectEqualSummaries(buildSummaries(a.trace, W), buildSummaries(b.trace, W));
  });

  it('cut short anywhere: an error naming the file and where, nothing read (both engines)', async () => {
    const dir = tempDir();
    const whole = readFileSync(fixture('formats', 'trace.jsonl.zst'));
    expect(zstdLayout(fixture('formats', 'trace.jsonl.zst'))).toEqual({ at: -1, size: whole.length, frames: 2 });
    // Inside the magic (it was read as a one-line text file: found by review), the first
    // frame's header, its block, the second frame, and the last checksum-less byte.
    for (const cut of [1, 3, 4, 6, 200, 3500, whole.length - 1]) {
      const file = join(dir, `cut-${cut}.jsonl.zst`);
      writeFileSync(file, whole.subarray(0, cut));
      const layout = zstdLayout(file);
      expect(layout.at, `cut ${cut}`).toBeGreaterThanOrEqual(0);
      expect(layout.at).toBeLessThanOrEqual(cut);
      const message = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated or corrupt zstd data.*at byte ${layout.at} of ${cut}; none of the file was ingested$`);
      await expect(ingestFiles({ inputs: [file], mapping }), `ts, cut ${cut}`).rejects.toThrow(message);
      // DuckDB read such a file as if it ended there (a cut inside the first block: 0 rows, no error).
      await expect(summarizeWithDuckDB([file], mapping, W), `duckdb, cut ${cut}`).rejects.toThrow(message);
    }
    // A gzip file cut inside its magic byte, likewise; a plain file of one such byte is text.
    const gz = join(dir, 'cut.csv.gz');
    writeFileSync(gz, Buffer.from([0x1f]));
    expect(compressionOf(gz)).toBe('gzip');
    await expect(ingestFiles({ inputs: [gz], mapping })).rejects.toThrow(/cut\.csv\.gz: truncated or corrupt gzip data/);
    await expect(summarizeWithDuckDB([gz], mapping, W)).rejects.toThrow(/cut\.csv\.gz: truncated or corrupt gzip data/);
    // Cut inside a skippable frame's magic (pzstd starts its files with one): TypeScript read it
    // as a one-line text file ('columns: "P*M"'), DuckDB called it 'not compressed'.
    for (const cut of [1, 2, 3]) {
      const skip = join(dir, `skip-${cut}.csv.zst`);
      writeFileSync(skip, Buffer.from([0x5e, 0x2a, 0x4d, 0x18]).subarray(0, cut));
      expect(compressionOf(skip), `cut ${cut}`).toBe('zstd');
      await expect(ingestFiles({ inputs: [skip], mapping }), `ts, cut ${cut}`).rejects.toThrow(/truncated or corrupt zstd data/);
      await expect(summarizeWithDuckDB([skip], mapping, W), `duckdb, cut ${cut}`).rejects.toThrow(/truncated or corrupt zstd data/);
    }
    const plain = join(dir, 'one.csv');
    writeFileSync(plain, Buffer.from([0x28, 0xb5, 0x2f]));
    expect(compressionOf(plain)).toBeUndefined();
    // Bytes after the last whole frame.
    const trailing = join(dir, 'trailing.jsonl.zst');
    writeFileSync(trailing, Buffer.concat([whole, Buffer.from('garbage')]));
    expect(zstdLayout(trailing).problem).toBe('bytes that are no zstd frame follow the last whole frame');
    await expect(ingestFiles({ inputs: [trailing], mapping })).rejects.toThrow(IngestError);
    await expect(summarizeWithDuckDB([trailing], mapping, W)).rejects.toThrow(/trailing\.jsonl\.zst: truncated or corrupt zstd data: bytes that are no zstd frame follow the last whole frame at byte 6435 of 6442/);
  });

  it('a byte changed inside a compressed block is refused by its frame checksum, not read as other text (found by review)', async () => {
    const dir = tempDir();
    const whole = readFileSync(fixture('formats', 'trace.jsonl.zst'));
    // The first frame has a checksum: each byte of its last block's data (before the 4 checksum
    // bytes) flipped in turn. Each either fails to decompress or fails its checksum; before the
    // fix some decompressed to other text (rows of garbage, rejects) without a word.
    const firstEnd = zstdLayoutEnd(whole);
    for (const at of [firstEnd - 5, firstEnd - 40, firstEnd - 300, firstEnd - 2000]) {
      const bad = Buffer.from(whole);
      bad[at] ^= 0x55;
      const file = join(dir, `flip-${at}.jsonl.zst`);
      writeFileSync(file, bad);
      await expect(ingestFiles({ inputs: [file], mapping }), `flip at ${at}`).rejects.toThrow(/corrupt zstd data/);
    }
    // The checksum itself changed.
    const bad = Buffer.from(whole);
    bad[firstEnd - 1] ^= 1;
    writeFileSync(join(dir, 'sum.jsonl.zst'), bad);
    await expect(ingestFiles({ inputs: [join(dir, 'sum.jsonl.zst')], mapping })).rejects.toThrow(/content checksum mismatch/);
    // Streamed a byte at a time, the checksums of whole frames still match.
    const d = createZstdDecompress();
    const out: Buffer[] = [];
    d.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve, reject) => (d.on('end', resolve), d.on('error', reject)));
    for (let i = 0; i < whole.length; i++) d.write(whole.subarray(i, i + 1));
    d.end();
    await done;
    expect(Buffer.concat(out).equals(readFileSync(fixture('formats', 'trace.jsonl')))).toBe(true);
  });

  it('a file compressed with a dictionary (zstd -D) is refused by name, both engines (fzstd read it as NUL bytes; found by review)', async () => {
    const dir = tempDir();
    const whole = readFileSync(fixture('formats', 'trace.csv.zst'));
    // The same frame, its header saying dictionary ID 7 (one byte after the window descriptor).
    const d = whole[4];
    const idAt = 5 + ((d >> 5) & 1 ? 0 : 1);
    const file = join(dir, 'dict.csv.zst');
    writeFileSync(file, Buffer.concat([whole.subarray(0, 4), Buffer.from([d | 1]), whole.subarray(5, idAt), Buffer.from([7]), whole.subarray(idAt)]));
    expect(zstdLayout(file)).toMatchObject({ at: 0, dictionary: 7 });
    const message = /dict\.csv\.zst: zstd data compressed with a dictionary \(zstd -D; dictionary ID 7, frame at byte 0\), which is not read here: decompress it with its dictionary first/;
    await expect(ingestFiles({ inputs: [file], mapping })).rejects.toThrow(message);
    await expect(summarizeWithDuckDB([file], mapping, W)).rejects.toThrow(message);
  });

  it('DuckDB engine: the same summaries; a name that does not say the compression is refused, and auto reads it with the TypeScript engine', async () => {
    for (const f of ['trace.csv.zst', 'trace.jsonl.zst']) {
      const ts = await ingestFiles({ inputs: [fixture('formats', f)], mapping });
      const duck = await summarizeWithDuckDB([fixture('formats', f)], mapping, W);
      expect(duck.rowsRead, f).toBe(400);
      expectEqualSummaries(buildSummaries(ts.trace, W), duck.summaries);
    }
    const dir = tempDir();
    // DuckDB tells compression by a lower-case .zst / .gz only; without it the sniffer failed with "rows it cannot split consistently".
    for (const [name, source] of [
      ['trace.csv', 'trace.csv.zst'],
      ['TRACE.CSV.ZST', 'trace.csv.zst'],
      ['gz.csv', 'trace.csv.gz'],
      ['plain.csv.zst', 'trace.csv'],
    ]) {
      const file = join(dir, name);
      copyFileSync(fixture('formats', source), file);
      await expect(summarizeWithDuckDB([file], mapping, W), name).rejects.toThrow(DuckDbReadError);
      await expect(summarizeWithDuckDB([file], mapping, W), name).rejects.toThrow(/engine duckdb tells compression by the name; --engine ts reads it by its bytes, or rename it/);
    }
    const map = join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: ['model', 'log_type'], input_tokens: 'input', output_tokens: 'output' }, timestamp: { unit: 's' } }));
    const auto = await runCli('summarize', join(dir, 'trace.csv'), '--map', map, '--engine', 'auto', '--out', join(dir, 'auto.json'));
    expect(auto.code, auto.stderr).toBe(0);
    const duck = await runCli('summarize', join(dir, 'trace.csv'), '--map', map, '--engine', 'duckdb', '--out', join(dir, 'duck.json'));
    expect(duck.code).toBe(2);
    expect(duck.stderr).toMatch(/trace\.csv: zstd-compressed but not named \.zst \(lower case\)/);
  });

  it('a Parquet file zstd-compressed whole is read by the TypeScript engine and refused by DuckDB, by name', async () => {
    const dir = tempDir();
    const plain = await ingestFiles({ inputs: [fixture('formats', 'trace-snappy-v1.parquet')], mapping });
    expect(plain.summary.rows_read).toBe(400);
    // No zstd compressor here: a stored (raw-block) frame around the Parquet bytes, as zstd writes incompressible data.
    const file = join(dir, 'trace.parquet.zst');
    writeFileSync(file, rawFrame(readFileSync(fixture('formats', 'trace-snappy-v1.parquet'))));
    const b = await ingestFiles({ inputs: [file], mapping });
    expectEqualSummaries(buildSummaries(plain.trace, W), buildSummaries(b.trace, W));
    await expect(summarizeWithDuckDB([file], mapping, W)).rejects.toThrow(/engine duckdb cannot read zstd-compressed Parquet/);
  });

  it('the kind of a zstd-compressed file is read from its text (a profile.json.zst is a profile, and reads as one)', async () => {
    const dir = tempDir();
    const profile = fixture('profiles', 'essentials.json');
    const zst = join(dir, 'profile.json.zst');
    writeFileSync(zst, rawFrame(readFileSync(profile)));
    expect(fileKind(zst)).toBe('profile');
    expect(readProfile(zst).profile).toEqual(readProfile(profile).profile);
    writeFileSync(zst, rawFrame(readFileSync(profile)).subarray(0, 100));
    expect(() => readProfile(zst)).toThrow(/profile\.json\.zst: truncated or corrupt zstd data \(unexpected EOF\): a block is cut short at byte 6 of 100$/);
  });

  it('xz, bzip2, zip and lz4 inputs and spreadsheet workbooks are named as such, with what to do, by both engines', async () => {
    const dir = tempDir();
    const noise = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251 % 40));
    const zipEntry = (name: string) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from(name, 'latin1')]);
    for (const [name, magic, says] of [
      ['log.csv.xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], /log\.csv\.xz: xz-compressed data \(decompress it first, e\.g\. xz -dk; gzip and zstd inputs are read as they are\), not CSV text$/],
      ['log.csv.bz2', [0x42, 0x5a, 0x68, 0x39], /bzip2-compressed data \(decompress it first, e\.g\. bunzip2 -k/],
      ['log.jsonl.lz4', [0x04, 0x22, 0x4d, 0x18], /lz4-compressed data .*, not JSON lines$/],
      ['logs.zip', [0x50, 0x4b, 0x03, 0x04], /zip-compressed data \(decompress it first, e\.g\. unzip/],
      // Workbooks given --format csv (unzipped, an .xlsx is XML: it was told to unzip it).
      ['sheet.xlsx', [...zipEntry('[Content_Types].xml')], /sheet\.xlsx: an Excel workbook \(\.xlsx\): export it as CSV \(or Parquet\) from the spreadsheet program first, not CSV text$/],
      ['sheet.ods', [...zipEntry('mimetypeapplication/vnd.oasis.opendocument.spreadsheet')], /an OpenDocument spreadsheet \(\.ods\): export it as CSV/],
      ['sheet.xls', [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], /an Excel 97–2003 workbook \(\.xls\): export it as CSV/],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, Buffer.concat([Buffer.from(magic), noise]));
      const format = name.includes('jsonl') ? 'jsonl' : 'csv';
      await expect(ingestFiles({ inputs: [file], mapping, format }), name).rejects.toThrow(says);
      // DuckDB said "bytes that are not UTF-8" of each.
      await expect(summarizeWithDuckDB([file], mapping, { ...W, format }), `duckdb ${name}`).rejects.toThrow(says);
    }
    // Without --format, a workbook's name says what it is (it was "cannot tell the format from the name").
    const named = join(dir, 'usage.xlsx');
    writeFileSync(named, Buffer.concat([zipEntry('[Content_Types].xml'), noise]));
    const sheet = /usage\.xlsx: a spreadsheet workbook, which is not read: export it as CSV \(or Parquet\) from the spreadsheet program first$/;
    await expect(ingestFiles({ inputs: [named], mapping })).rejects.toThrow(sheet);
    await expect(summarizeWithDuckDB([named], mapping, W)).rejects.toThrow(sheet);
  });
});

/** One zstd frame holding `data` in raw blocks (no compression), with no checksum. */
function rawFrame(data: Uint8Array): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58])]; // descriptor 0: window byte follows; 0x58: 2^(10+11) window
  const MAX = 1 << 17;
  for (let at = 0; at < data.length || at === 0; at += MAX) {
    const part = data.subarray(at, at + MAX);
    const last = at + MAX >= data.length ? 1 : 0;
    const h = (part.length << 3) | last; // type 0 (raw)
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(part));
    if (last) break;
  }
  return Buffer.concat(parts);
}

/** Where the first frame of `bytes` ends (a zstd frame with a checksum; block headers walked). */
function zstdLayoutEnd(bytes: Buffer): number {
  const d = bytes[4];
  const single = (d >> 5) & 1;
  let at = 4 + 1 + (single ? 0 : 1) + [0, 1, 2, 4][d & 3] + [single ? 1 : 0, 2, 4, 8][d >> 6];
  for (;;) {
    const h = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
    at += 3 + (((h >> 1) & 3) === 1 ? 1 : h >>> 3);
    if (h & 1) break;
  }
  expect((d >> 2) & 1).toBe(1);
  return at + 4;
}

import { existsSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { utf16Kind } from '../../src/io/binary-probe.js';

// A log saved as UTF-16 (a spreadsheet's "Unicode text", PowerShell 5's Export-Csv and Out-File)
// was "looks binary (… NUL …), not CSV text; use --format if the extension is wrong" — the
// extension was right — and with a byte-order mark and few NULs it was read as garbled text;
// DuckDB named rows it could not split. Found by a new user's review (session 38).

const HEADER = 'time,tenant,in,out';
const ROWS = Array.from({ length: 40 }, (_, i) => `${1733580000 + i},t${i % 3},${i + 1},${(i % 5) + 1}`);

/** UTF-16 bytes of `text`, little- or big-endian, with or without a byte-order mark. */
function utf16(text: string, endian: 'le' | 'be', bom: boolean): Buffer {
  const le = Buffer.from((bom ? '\ufeff' : '') + text, 'utf16le');
  if (endian === 'le') return le;
  const be = Buffer.alloc(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1];
    be[i + 1] = le[i];
  }
  return be;
}

describe('UTF-16 inputs', () => {
  const dir = tempDir();
  const map = join(dir, 'm.json');
  writeFileSync(map, JSON.stringify({ columns: { timestamp: 'time', client_id: 'tenant', input_tokens: 'in', output_tokens: 'out' } }));

  it('a UTF-16 CSV is named as such, with how to convert it, by either engine; nothing is written', async () => {
    const text = [HEADER, ...ROWS].join('\r\n') + '\r\n';
    const cases: [string, Buffer, RegExp][] = [
      ['le-bom.csv', utf16(text, 'le', true), /UTF-16 text \(little-endian, by its byte-order mark; convert it to UTF-8 first, e\.g\. iconv -f UTF-16 -t UTF-8/],
      ['be-bom.csv', utf16(text, 'be', true), /UTF-16 text \(big-endian, by its byte-order mark;/],
      ['le-nobom.csv', utf16(text, 'le', false), /UTF-16 text \(little-endian: a NUL byte beside every character;/],
      // A short file with a mark: too few NULs to look binary, it was read as garbled text.
      ['short.csv', utf16('time,tenant\r\n1,a\r\n', 'le', true), /UTF-16 text \(little-endian, by its byte-order mark;/],
    ];
    for (const [name, bytes, message] of cases) {
      const f = join(dir, name);
      writeFileSync(f, bytes);
      for (const engine of ['ts', 'duckdb']) {
        const out = join(dir, `${name}-${engine}.parquet`);
        const r = await runCli('ingest', f, '--map', map, '--engine', engine, '--out', out);
        expect(r.code, `${name} ${engine}: ${r.stderr}`).toBe(2);
        expect(r.stderr, `${name} ${engine}`).toMatch(new RegExp(`^servegen: ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
        expect(r.stderr, `${name} ${engine}`).toMatch(message);
        expect(r.stderr, `${name} ${engine}`).toContain('not CSV text');
        expect(r.stderr).not.toContain('looks binary');
        expect(existsSync(out)).toBe(false);
      }
    }
  });

  it('UTF-16 JSON lines, gzipped too (TypeScript engine), are named as such', async () => {
    const lines = ROWS.map((r) => {
      const [time, tenant, input, output] = r.split(',');
      return JSON.stringify({ time: Number(time), tenant, in: Number(input), out: Number(output) });
    });
    const f = join(dir, 'log.jsonl.gz');
    writeFileSync(f, gzipSync(utf16(lines.join('\n') + '\n', 'le', false)));
    const r = await runCli('ingest', f, '--map', map, '--out', join(dir, 'j.parquet'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/log\.jsonl\.gz: UTF-16 text \(little-endian: a NUL byte beside every character; convert it to UTF-8 first.*\), not JSON lines/);
  });

  it('UTF-8 text, binary data and a stray NUL are not taken for UTF-16', () => {
    expect(utf16Kind(Buffer.from([HEADER, ...ROWS].join('\n')))).toBeUndefined();
    expect(utf16Kind(Buffer.from('\ufefftime,tenant\n1,a\n'))).toBeUndefined(); // UTF-8 byte-order mark
    expect(utf16Kind(Buffer.from('time,tenant\n1,\0a\n2,b\n'))).toBeUndefined();
    expect(utf16Kind(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]))).toBeUndefined(); // gzip
    expect(utf16Kind(Buffer.from('a\0'))).toBeUndefined(); // too short to tell
    expect(utf16Kind(utf16('time,tenant\n', 'le', false))).toMatch(/little-endian/);
    expect(utf16Kind(utf16('time,tenant\n', 'be', false))).toMatch(/big-endian/);
  });
});

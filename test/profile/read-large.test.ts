import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { serializeProfile, writeProfile } from '../../src/profile/write.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { ProfileError } from '../../src/profile/errors.js';
import { fixture, tempDir } from '../helpers.js';
import { fileKind } from '../../src/io/file-kind.js';
import { runCli } from '../cli/run-cli.js';

// Profiles above V8's longest string (~512 MB: 60 days × 2 000 clients; `fit` crashed writing
// one and could not have read it back) are written in pieces and read a client at a time. The
// size limit is lowered here to take that path on small files.

const pool = () => importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => '2026-01-01T00:00:00.000Z').profile;

describe('profiles larger than one string', () => {
  const dir = tempDir();

  it('are written in pieces byte for byte as serializeProfile, and read a client at a time as the whole text', () => {
    const profile = pool();
    expect(profile.clients.length).toBeGreaterThan(10);
    const file = join(dir, 'pool.json');
    writeProfile(file, profile);
    expect(readFileSync(file, 'utf8')).toBe(serializeProfile(profile));
    const whole = readProfile(file);
    const byClient = readProfile(file, { wholeTextLimit: 0 });
    expect(byClient.sha256).toBe(whole.sha256);
    expect(byClient.profile).toEqual(whole.profile);
    expect(JSON.stringify(byClient.profile)).toBe(JSON.stringify(whole.profile));
  });

  it('a profile with one client, and one with none, read the same both ways', () => {
    const one = { ...pool(), clients: pool().clients.slice(0, 1) };
    const none = { ...pool(), clients: [] };
    for (const [name, p] of [
      ['one', one],
      ['none', none],
    ] as const) {
      const file = join(dir, `${name}.json`);
      writeProfile(file, p);
      expect(readProfile(file, { wholeTextLimit: 0 }).profile, name).toEqual(readProfile(file).profile);
    }
  });

  it('a large profile in another layout is refused with what to do, not a parser position', () => {
    const file = join(dir, 'pretty.json');
    writeFileSync(file, JSON.stringify(JSON.parse(serializeProfile(pool())), null, 2));
    expect(() => readProfile(file)).not.toThrow();
    expect(() => readProfile(file, { wholeTextLimit: 0 })).toThrow(ProfileError);
    expect(() => readProfile(file, { wholeTextLimit: 0 })).toThrow(/is more than one JSON text can hold here, and the file is not in the layout servegen fit writes \(no "clients" line after a one-line head\), which is read a client at a time/);
  });

  it('a damaged client names its index', () => {
    const file = join(dir, 'damaged.json');
    const text = serializeProfile(pool());
    const lines = text.split('\n');
    // The third client's first arrival window loses its closing brace.
    const starts = lines.flatMap((l, i) => (l.startsWith('  {') ? [i] : []));
    lines[starts[2] + 2] = lines[starts[2] + 2].replace(/},?$/, ',');
    writeFileSync(file, lines.join('\n'));
    expect(() => readProfile(file, { wholeTextLimit: 0 })).toThrow(/clients\[2\] is not one JSON object/);
  });
});

describe('gzipped profiles (--out profile.json.gz)', () => {
  const dir = tempDir();

  it('are written as gzip of the same text, and read back as the same profile with the same sha256 (of the text)', () => {
    const profile = pool();
    const gz = join(dir, 'pool.json.gz');
    const plain = join(dir, 'pool.json');
    writeProfile(gz, profile);
    writeProfile(plain, profile);
    const bytes = readFileSync(gz);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(bytes.length).toBeLessThan(readFileSync(plain).length / 3);
    expect(gunzipSync(bytes).toString('utf8')).toBe(readFileSync(plain, 'utf8'));
    const a = readProfile(gz);
    const b = readProfile(plain);
    expect(a.sha256).toBe(b.sha256);
    expect(a.profile).toEqual(b.profile);
    expect(readProfile(gz, { wholeTextLimit: 0 }).profile).toEqual(b.profile);
    // Written twice, the same bytes (deterministic).
    writeProfile(join(dir, 'again.json.gz'), profile);
    expect(readFileSync(join(dir, 'again.json.gz')).equals(bytes)).toBe(true);
  });

  it('more than one gzip member (text above ~4 MB) reads as one text; gzip run by hand on a profile reads too', () => {
    const big = pool();
    big.clients = [0, 1, 2, 3, 4, 5].flatMap((k) => big.clients.map((c) => ({ ...c, id: k === 0 ? c.id : `${c.id}-copy${k}` })));
    const gz = join(dir, 'big.json.gz');
    writeProfile(gz, big);
    expect(serializeProfile(big).length).toBeGreaterThan(4 << 20);
    expect(readProfile(gz).profile).toEqual(big);
    const byHand = join(dir, 'hand.json.gz');
    writeFileSync(byHand, gzipSync(serializeProfile(big)));
    expect(readProfile(byHand).sha256).toBe(readProfile(gz).sha256);
  });

  it('are told apart from traces by what they hold, and a damaged one says so', async () => {
    const gz = join(dir, 'kind.json.gz');
    writeProfile(gz, pool());
    expect(fileKind(gz)).toBe('profile');
    const cut = join(dir, 'cut.json.gz');
    writeFileSync(cut, readFileSync(gz).subarray(0, 5000));
    expect(() => readProfile(cut)).toThrow(/cut\.json\.gz: damaged gzip/);
    const r = await runCli('fit', gz, '--out', join(dir, 'x.json'), '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a servegen profile, not a trace');
    const i = await runCli('inspect', gz);
    expect(i.code).toBe(0);
    expect(i.stdout).toContain('clients');
  });
});


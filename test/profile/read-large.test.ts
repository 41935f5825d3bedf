import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfile } from '../../src/profile/read.js';
import { serializeProfile, writeProfile } from '../../src/profile/write.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { ProfileError } from '../../src/profile/errors.js';
import { fixture, tempDir } from '../helpers.js';

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

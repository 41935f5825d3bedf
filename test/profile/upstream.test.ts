import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportServegenPool, importServegenPool } from '../../src/profile/upstream.js';
import { parsePyNumberDict } from '../../src/profile/pydict.js';
import { ProfileError } from '../../src/profile/errors.js';
import { validateProfile } from '../../src/profile/read.js';
import { asCounts } from '../../src/profile/upstream.js';
import { pmfProbabilities } from '../../src/stats/pmf.js';
import { serializeProfile } from '../../src/profile/write.js';
import { fixture, tempDir } from '../helpers.js';

const POOLS = ['multimodal/mm-image', 'reason/deepseek-r1-sample', 'language/m-small-sample'];
const fixedNow = () => '2026-01-01T00:00:00.000Z';

/** Parsed view of an upstream pool: per file, numbers only (so float printing does not matter). */
function poolNumbers(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of readdirSync(dir).filter((n) => n.startsWith('chunk-')).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (name.endsWith('.csv')) {
      out[name] = text.trim().split('\n').map((l) => l.split(',').map((v, i) => (i === 3 ? v : Number(v))));
    } else {
      const doc = JSON.parse(text) as Record<string, Record<string, string>>;
      out[name] = Object.fromEntries(
        Object.entries(doc).map(([k, fields]) => [
          k,
          Object.fromEntries(
            Object.entries(fields).map(([f, lit]) => {
              const d = parsePyNumberDict(lit);
              // Zero-probability entries carry no information; compare the distribution.
              const kept = d.keys.map((key, i) => [key, d.values[i]]).filter(([, p]) => p !== 0);
              return [f, kept];
            }),
          ),
        ]),
      );
    }
  }
  return out;
}

describe('import-servegen', () => {
  it('imports every fixture pool into a valid profile', () => {
    for (const pool of POOLS) {
      const { profile } = importServegenPool(fixture('servegen', pool), fixedNow);
      expect(() => validateProfile(JSON.parse(serializeProfile(profile)))).not.toThrow();
      expect(profile.windows).toEqual({ arrival_seconds: 600, length_seconds: 21600 });
    }
  });

  it('keeps clients without a dataset file and says which', () => {
    const { profile, clientsWithoutLengths } = importServegenPool(fixture('servegen', 'language/m-small-sample'), fixedNow);
    expect(clientsWithoutLengths).toEqual(['1']);
    expect(profile.clients.map((c) => c.id)).toEqual(['1', '4', '13', '23', '27']);
    expect(profile.clients[0].lengths).toEqual([]);
    expect(profile.clients[0].arrivals.length).toBe(2016); // 14 days of 600 s windows
    expect(profile.provenance.source?.clients_without_lengths).toBe(1);
  });

  it('maps upstream fields and families', () => {
    const { profile } = importServegenPool(fixture('servegen', 'multimodal/mm-image'), fixedNow);
    const c0 = profile.clients.find((c) => c.id === '0')!;
    expect(c0.arrivals[0]).toEqual({ start: 0, rate: 0.805, cv: 0.5697009755258385, model: { family: 'gamma', shape: 3.081101985437916, scale: 0.36003177151890525 } });
    expect(c0.arrivals[1].model?.family).toBe('weibull');
    expect(Object.keys(c0.lengths[0].fields).sort()).toEqual(
      ['audio_count', 'audio_tokens_per_item', 'image_count', 'image_tokens_per_item', 'input_tokens', 'output_tokens', 'video_count', 'video_tokens_per_item'].sort(),
    );
    // Stored as request counts when count/total reproduces upstream's probabilities bit for bit.
    const pmf = c0.lengths[0].fields.input_tokens!.pmf;
    expect(pmf.values).toEqual([136, 372]);
    expect(pmf.counts).toBeDefined();
    expect(pmfProbabilities(pmf)).toEqual([0.2557027673108869, 0.7442972326891131]);
    expect(c0.requests).toBeGreaterThan(0);
  });

  it('round trip import → export → import is lossless (values equal up to float printing)', () => {
    for (const pool of POOLS) {
      const src = fixture('servegen', pool);
      const a = importServegenPool(src, fixedNow).profile;
      const dir = tempDir();
      exportServegenPool(a, dir);
      const b = importServegenPool(dir, fixedNow).profile;
      expect(b.clients).toEqual(a.clients);
      expect(poolNumbers(dir)).toEqual(poolNumbers(src));
    }
  });

  it('import → export gives back upstream\'s files byte for byte (CRLF rows, Python floats such as 5.0 and 2e-05, no final newline in the JSON)', () => {
    for (const pool of POOLS) {
      const src = fixture('servegen', pool);
      const dir = tempDir();
      exportServegenPool(importServegenPool(src, fixedNow).profile, dir);
      const names = readdirSync(src).filter((f) => /^chunk-\d+-(trace\.csv|dataset\.json)$/.test(f));
      expect(readdirSync(dir).sort(), pool).toEqual(names.sort());
      for (const f of names) expect(readFileSync(join(dir, f)).equals(readFileSync(join(src, f))), `${pool}/${f}`).toBe(true);
    }
  });

  it('writes the idle windows a fitted profile leaves out as zero rows, so import-servegen reads the pool back (was: "window step 1800 s differs from the pool\'s 600 s")', () => {
    for (const pool of POOLS) {
      const src = fixture('servegen', pool);
      const full = importServegenPool(src, fixedNow).profile;
      // As fit writes them: no window where nothing arrived (between the first and last).
      const sparse = structuredClone(full);
      let dropped = 0;
      for (const c of sparse.clients) {
        const first = c.arrivals.findIndex((w) => w.rate > 0);
        const last = c.arrivals.length - 1 - [...c.arrivals].reverse().findIndex((w) => w.rate > 0);
        const kept = c.arrivals.filter((w, i) => w.rate > 0 || i < first || i > last);
        dropped += c.arrivals.length - kept.length;
        c.arrivals = kept;
      }
      expect(dropped, pool).toBeGreaterThan(0);
      const dir = tempDir();
      exportServegenPool(sparse, dir);
      // The same bytes as upstream's, and a pool import reads.
      for (const f of readdirSync(src).filter((n) => /^chunk-\d+-trace\.csv$/.test(n))) expect(readFileSync(join(dir, f)).equals(readFileSync(join(src, f))), `${pool}/${f}`).toBe(true);
      expect(importServegenPool(dir, fixedNow).profile.clients, pool).toEqual(full.clients);
    }
  });

  it('exports reason_ratio on upstream\'s 501-point grid', () => {
    const a = importServegenPool(fixture('servegen', 'reason/deepseek-r1-sample'), fixedNow).profile;
    const dir = tempDir();
    exportServegenPool(a, dir);
    const doc = JSON.parse(readFileSync(join(dir, 'chunk-3-dataset.json'), 'utf8')) as Record<string, Record<string, string>>;
    const ratio = parsePyNumberDict(Object.values(doc)[0].reason_ratio);
    expect(ratio.keys.length).toBe(501);
    expect(ratio.keys[3]).toBe(3 * (1 / 501)); // np.linspace(0, 1, 502)[3], not 3/501
  });
});

describe('asCounts', () => {
  it('recovers counts when probabilities are exactly count/total, else keeps probabilities', () => {
    expect(asCounts([1 / 3, 2 / 3])).toEqual([1, 2]);
    expect(asCounts([3 / 7, 4 / 7])).toEqual([3, 4]);
    expect(asCounts([0.5, 0.25, 0.25])).toEqual([2, 1, 1]);
    expect(asCounts([0.1, 0.2, 0.3000001])).toBeUndefined();
    expect(asCounts([0.5, 0.4])).toBeUndefined(); // counts would not sum to the total
  });
});

describe('malformed pools', () => {
  function brokenPool(edit: (dir: string) => void): string {
    const dir = tempDir();
    const pool = join(dir, 'pool');
    mkdirSync(pool);
    cpSync(fixture('servegen', 'reason/deepseek-r1-sample', 'chunk-3-trace.csv'), join(pool, 'chunk-3-trace.csv'));
    cpSync(fixture('servegen', 'reason/deepseek-r1-sample', 'chunk-3-dataset.json'), join(pool, 'chunk-3-dataset.json'));
    edit(pool);
    return pool;
  }
  const expectError = (pool: string, pattern: RegExp) => {
    let caught: unknown;
    try {
      importServegenPool(pool, fixedNow);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ProfileError);
    expect((caught as Error).message).toMatch(pattern);
  };

  it('names file and line of a bad trace row', () => {
    const pool = brokenPool((d) => {
      const f = join(d, 'chunk-3-trace.csv');
      const lines = readFileSync(f, 'utf8').split('\n');
      lines[4] = '2400,abc,0.5,Gamma,1,1';
      writeFileSync(f, lines.join('\n'));
    });
    expectError(pool, /chunk-3-trace\.csv:5: field rate: not a finite number/);
  });

  it('names file and line of a wrong column count and of an unknown family', () => {
    expectError(
      brokenPool((d) => writeFileSync(join(d, 'chunk-3-trace.csv'), '0,1,1,Gamma,1,1\n600,1,1,Gamma,1\n')),
      /chunk-3-trace\.csv:2: expected 6 comma-separated fields/,
    );
    expectError(
      brokenPool((d) => writeFileSync(join(d, 'chunk-3-trace.csv'), '0,1,1,Gamma,1,1\n600,1,1,Lognormal,1,1\n')),
      /chunk-3-trace\.csv:2: field family: unknown arrival family "Lognormal"/,
    );
  });

  it('names file, line, window and field of a malformed PMF (and never evaluates it)', () => {
    const pool = brokenPool((d) => {
      const f = join(d, 'chunk-3-dataset.json');
      const doc = JSON.parse(readFileSync(f, 'utf8')) as Record<string, Record<string, string>>;
      doc['21600'].output_tokens = '{1: __import__("os").system("echo hi")}';
      writeFileSync(f, JSON.stringify(doc, null, 2));
    });
    expectError(pool, /chunk-3-dataset\.json:\d+: window 21600, field output_tokens: malformed PMF/);
  });

  it('reports invalid JSON with line and column', () => {
    expectError(
      brokenPool((d) => writeFileSync(join(d, 'chunk-3-dataset.json'), '{\n  "0": {\n    "input_tokens": "{1: 1.0}",,\n}}')),
      /chunk-3-dataset\.json:3:\d+: invalid JSON/,
    );
  });

  it('refuses a window, a field or a PMF key written twice, naming file, line and what (JSON.parse and Python keep the last one without a word; left open by review)', () => {
    const withText = (text: string) => brokenPool((d) => writeFileSync(join(d, 'chunk-3-dataset.json'), text));
    expectError(
      withText('{\n  "0": {"input_tokens": "{1: 1.0}", "output_tokens": "{2: 1.0}"},\n  "0": {"input_tokens": "{3: 1.0}", "output_tokens": "{2: 1.0}"}\n}'),
      /chunk-3-dataset\.json:3:3: key "0" appears twice in the top level/,
    );
    expectError(
      withText('{\n  "0": {\n    "input_tokens": "{1: 1.0}",\n    "input_tokens": "{3: 1.0}",\n    "output_tokens": "{2: 1.0}"\n  }\n}'),
      /chunk-3-dataset\.json:4:5: key "input_tokens" appears twice in \["0"\]/,
    );
    expectError(
      withText('{\n  "0": {\n    "input_tokens": "{1: 0.25, 7: 0.5, 1.0: 0.25}",\n    "output_tokens": "{2: 1.0}"\n  }\n}'),
      /chunk-3-dataset\.json:3: window 0, field input_tokens: key 1 appears twice in the PMF/,
    );
  });

  it('rejects a directory that is not a pool', () => {
    expectError(tempDir(), /no chunk-N-trace\.csv files/);
  });
});

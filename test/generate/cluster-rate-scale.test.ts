/**
 * A cluster client (README, Cluster clients) scaled up keeps its rate. Its requests come in
 * clusters whose inner gaps are fitted (`batches.within`); a cycle is a cluster's spread plus
 * the gap to the next cluster. When `--rate scale:K` makes the cycle shorter than the spread,
 * generation held the gap between clusters at 10 % of the cycle with the inner gaps as fitted,
 * and silently drew far fewer requests than asked: a fan-out client of 20-request clusters at
 * 5 clusters/s (98 % of its gaps under 100 ms) gave 131 440 requests at scale:4 for ~235 800, and
 * 135 172 at scale:8 for ~471 700. The inner gaps are now scaled down to fit 90 % of the cycle
 * (the clusters keep their sizes; at such rates they run nearly end to end).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/stats/rng.js';
import { runCli } from '../cli/run-cli.js';
import { tempDir } from '../helpers.js';

let dir = '';
let profile = '';

/** Generated rows' times (seconds), from a CSV output. */
function times(file: string): number[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const col = lines[0].split(',').indexOf('timestamp');
  return lines.slice(1).map((l) => Number(l.split(',')[col])).sort((a, b) => a - b);
}

/** The generated times at scale:k, and whether generate said the clusters were scaled down. */
async function generate(k: number): Promise<{ t: number[]; said: boolean }> {
  const out = join(dir, `scale-${k}.csv`);
  const r = await runCli('generate', profile, '--duration', '600', '--rate', `scale:${k}`, '--seed', '1', '--out', out);
  expect(r.code, r.stderr).toBe(0);
  return { t: times(out), said: r.stderr.includes('note: 1 cluster client was drawn at a rate its clusters do not fit') };
}

beforeAll(async () => {
  dir = tempDir();
  // 600 s of a fan-out client: clusters of 20 requests ~5 ms apart, cluster starts Poisson at 5/s (µs clock).
  const rng = createRng('cluster-rate-scale');
  const us: number[] = [];
  for (let t = 0; ; ) {
    t += -Math.log(rng.nextOpen()) / 5;
    if (t >= 600) break;
    let off = 0;
    for (let j = 0; j < 20; j++) {
      us.push(Math.round((t + off) * 1e6));
      off += -Math.log(rng.nextOpen()) * 0.005;
    }
  }
  us.sort((a, b) => a - b);
  const csv = join(dir, 'fan.csv');
  writeFileSync(csv, ['ts,tenant,pin,pout', ...us.map((u, i) => `${1_717_200_000 + Math.floor(u / 1e6)}.${String(u % 1e6).padStart(6, '0')},fan,${100 + (i % 900)},${10 + (i % 300)}`)].join('\n') + '\n');
  const map = join(dir, 'map.json');
  writeFileSync(map, JSON.stringify({ columns: { timestamp: 'ts', client_id: 'tenant', input_tokens: 'pin', output_tokens: 'pout' }, timestamp: { unit: 's' } }));
  profile = join(dir, 'p.json');
  const fit = await runCli('fit', csv, '--map', map, '--out', profile);
  expect(fit.code, fit.stderr).toBe(0);
  const p = JSON.parse(readFileSync(profile, 'utf8')) as { clients: { batches?: { within?: unknown } }[] };
  expect(p.clients[0].batches?.within, 'fitted as a cluster client').toBeDefined();
}, 60_000);

describe('a cluster client scaled up keeps its rate', () => {
  it('draws K times the requests of scale:1 at scale:4 and scale:8, and says their clusters were scaled down', async () => {
    const one = await generate(1);
    expect(one.said).toBe(false);
    // ~60 000 requests in ~3 000 clusters of ~20 (fitted at 100 ms, merged clusters: ~50): the
    // count's SD at scale:8 is ~1.2 % of it (√clusters · the sizes' RMS); 5 % is over 3 SD.
    for (const k of [4, 8]) {
      const { t, said } = await generate(k);
      expect(t.length / (k * one.t.length), `scale:${k}`).toBeGreaterThan(0.95);
      expect(t.length / (k * one.t.length), `scale:${k}`).toBeLessThan(1.05);
      // Said, naming the client.
      expect(said, `scale:${k} note`).toBe(true);
    }
  }, 120_000);
});

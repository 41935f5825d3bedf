import { describe, expect, it } from 'vitest';
import { fidelityHtml, metricMeaning } from '../../src/validate/html.js';
import { ratePoints, type ChartData, type FidelityReport, type SideSummary } from '../../src/validate/validate.js';
import { loadThresholds } from '../../src/validate/thresholds.js';
import { profileHtml } from '../../src/profile/report-html.js';
import { importServegenPool } from '../../src/profile/upstream.js';
import { fixture, tempDir } from '../helpers.js';
import { runCli } from '../cli/run-cli.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const side = (file: string, requests: number): SideSummary => ({
  file: [file],
  requests,
  clients: 1274,
  span_seconds: 3599,
  mean_rate: requests / 3599,
  iat_cv: 1.28,
  index_of_dispersion: { '1s': 4.3, '10s': 6.38, '60s': 10.88 },
  peak_p99: { requests_per_s: 11.4, tokens_per_s: 8305 },
  time_offset_seconds: 0,
});

/** A failing report shaped as the many-client roundtrip's of the visual audit (two failures, a pass, a metric not judged). */
const report: FidelityReport = {
  format: 'servegen-fidelity',
  version: 1,
  tool: 'servegen-ts@test',
  pass: false,
  failed: ['iat_ks', 'dispersion_rel_err_60s@client:tenant-0002'],
  clock_resolution_seconds: 1e-6,
  source: side('/data/logs/many.jsonl', 20142),
  generated: side('/tmp/rt/generated.jsonl', 20516),
  baseline: side('/tmp/rt/naive.jsonl', 20479),
  top_clients: ['tenant-0002'],
  metrics: {
    iat_ks: { value: 0.196, threshold: 0.08, pass: false, scope: 'aggregate', baseline: 0.217 },
    input_tokens_p50_rel_err: { value: 0, threshold: 0.1, pass: true, scope: 'aggregate', baseline: 0 },
    audio_count_w1_norm: { value: null, threshold: 0.1, pass: true, scope: 'aggregate', note: 'source mean is 0', baseline: null },
    'dispersion_rel_err_60s@client:tenant-0002': { value: 0.982, threshold: 0.702, pass: false, scope: 'client:tenant-0002' },
  },
  thresholds: loadThresholds(),
};
const charts: ChartData = { rate: [], iatCdf: [], dispersion: [], lengthCdfs: [], shares: [], shareLabels: [] };

describe('the fidelity report (found by a visual audit of real traces)', () => {
  const html = fidelityHtml(report, charts);

  it('names its inputs in the page title and heading (every report was titled "ServeGen fidelity report")', () => {
    expect(html).toContain('<title>Fidelity of generated.jsonl to many.jsonl — ServeGen fidelity report</title>');
    expect(html).toContain('<h1>Fidelity of generated.jsonl to many.jsonl</h1>');
    expect(html).toContain('Source <code>/data/logs/many.jsonl</code>; generated <code>/tmp/rt/generated.jsonl</code>; naive baseline <code>/tmp/rt/naive.jsonl</code>.');
  });

  it('shortens a source of many files in the title', () => {
    const many = fidelityHtml({ ...report, source: { ...report.source, file: ['a/x-1.parquet', 'a/x-2.parquet', 'a/x-3.parquet'] } }, charts);
    expect(many).toContain('<title>Fidelity of generated.jsonl to x-1.parquet and 2 more files — ServeGen fidelity report</title>');
  });

  it('explains each failed metric at the top: what it compares, its value against its threshold (the verdict named them only)', () => {
    expect(html).toContain('FAIL: 2 of 3 metrics judged are outside their thresholds');
    expect(html).toContain('<li><code>iat_ks</code>: gaps between requests: KS distance between the two distributions: 0.196 against a threshold of 0.0800 (2.45× it); naive baseline 0.217</li>');
    expect(html).toContain('<li><code>dispersion_rel_err_60s@client:tenant-0002</code>: index of dispersion (variance / mean) of requests per 60 s bin: relative error: 0.982 against a threshold of 0.702 (1.40× it)</li>');
    expect(html.indexOf('<ul class="failed">')).toBeLessThan(html.indexOf('<div class="charts">'));
    expect(fidelityHtml({ ...report, pass: true, failed: [] }, charts)).toContain('PASS: all 3 metrics judged are within their thresholds');
  });

  it('gives every metric row its meaning, lets a long name break before its scope and scrolls the table, not the page (it overflowed 800 px)', () => {
    expect(html).toContain('<td title="index of dispersion (variance / mean) of requests per 60 s bin: relative error"><code>dispersion_rel_err_60s<wbr>@client:tenant-0002</code></td>');
    expect(html).toMatch(/<div class="scroll"><table><tr><th>metric<\/th>/);
    expect(html).toContain('.scroll{overflow-x:auto}');
  });

  it('formats numbers as a reader expects: the mean rate with its unit, 0 as "0", a 1 µs clock as 0.000001 s', () => {
    expect(html).toContain('<th>mean rate (req/s)</th>');
    expect(html).toContain('Clock resolution 0.000001 s');
    expect(html).toMatch(/input_tokens_p50_rel_err<\/code><\/td><td>aggregate<\/td><td>0<\/td><td>0.100<\/td><td>0<\/td>/);
    expect(html).not.toMatch(/NaN|undefined|Infinity|0\.00000100/);
  });

  it('draws the rate over a span above 2 h in hours (BurstGPT\'s 11 h read "19440000 … 19480000" s)', () => {
    const rate = [{ label: 'source', points: Array.from({ length: 70 }, (_, i) => [19440000 + 600 * i, 0.01] as [number, number]) }];
    const long = fidelityHtml(report, { ...charts, rate });
    expect(long).toContain('>time (h)</text>');
    expect(long).toContain('text-anchor="middle">5400</text>');
    const short = fidelityHtml(report, { ...charts, rate: [{ label: 'source', points: [[0, 1], [3000, 2]] }] });
    expect(short).toContain('>time (s)</text>');
  });

  it("rates a window the span cuts over the part it covers (Azure conv's last window, 502 s of 600, was drawn falling to 3.4 req/s from 4.1)", () => {
    const windows = new Map([[0, 3000], [600, 3000], [3000, Math.round(502 * 4.1)]]);
    expect(ratePoints(windows, 600, { start: 0, end: 3502 })).toEqual([[0, 5], [600, 5], [1200, 0], [2400, 0], [3000, Math.round(502 * 4.1) / 502]]);
    // A request 5 s into a window is no spike: rated over a tenth of the window at least.
    expect(ratePoints(new Map([[0, 1]]), 600, { start: 595, end: 600 })).toEqual([[0, 1 / 60]]);
  });

  it('says in the client-share legend that a side has none of the clients drawn (the naive baseline had a legend entry and no bar)', () => {
    const shares = fidelityHtml(report, { ...charts, shareLabels: ['source', 'generated', 'naive baseline'], shares: [{ id: 'a', values: [0.6, 0.5, 0] }, { id: 'b', values: [0.4, 0.5, 0] }] });
    expect(shares).toContain('>naive baseline (none of these clients)</text>');
    expect(shares).toContain('>generated</text>');
  });

  it('describes every metric kind in words, whatever its field', () => {
    for (const [name, words] of [
      ['image_count_tv@client:a', 'image items per request: total variation distance'],
      ['output_tokens_w1_norm', "output_tokens distribution: Wasserstein-1 distance over the source's mean"],
      ['image_tokens_p99_rel_err', 'image_tokens 99th percentile: relative error'],
      ['reason_ratio_ks', "reasoning tokens' share of output: KS distance"],
      ['rate_mape', 'requests per arrival window: mean absolute percentage error'],
    ]) expect(metricMeaning(name)).toBe(words);
  });
});

describe('the profile report (found by a visual audit of the mm-image pool)', () => {
  const pool = importServegenPool(fixture('servegen', 'multimodal', 'mm-image'), () => 'x').profile;

  it('puts fields 0 in every request in one line, as inspect does (four rows of "0.00")', () => {
    const html = profileHtml(pool, 'Profile mm.json');
    expect(html).toContain('<caption>always 0: <code>audio_tokens_per_item</code>, <code>video_tokens_per_item</code>, <code>audio_count</code>, <code>video_count</code></caption>');
    expect(html).not.toContain('<td><code>audio_count</code>');
    expect(html).not.toMatch(/>0\.00( %)?</);
  });

  it('starts the IAT CV CDF at 0 (a first window with a fifth of the requests began the curve at 0.2 in mid-air)', () => {
    const c = pool.clients.find((x) => x.arrivals.filter((w) => w.model && w.cv !== null).length >= 2)!;
    const html = profileHtml({ ...pool, clients: [{ ...c, arrivals: c.arrivals.filter((w) => w.model && w.cv !== null).slice(0, 2) }] });
    const chart = html.slice(html.indexOf('aria-label="IAT CV per window'));
    const bottom = /<rect x="56" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="none"/.exec(chart)!;
    const plotBottom = Number(/<rect x="56" y="([\d.]+)"/.exec(chart)![1]) + Number(bottom[1]);
    expect(Number(/<path d="M[\d.]+,([\d.]+)/.exec(chart)![1])).toBe(plotBottom);
  });

  it("says the rate's time axis is the log's own clock when the profile has no origin (it said \"h from origin\")", () => {
    expect(profileHtml(pool)).toContain(">time (h, the log&#39;s clock)</text>");
    expect(profileHtml({ ...pool, span: { ...pool.span, origin: '2023-11-16T18:15:46.000Z' } })).toContain('>time (h from origin)</text>');
  });

  it('says how many clients the top-client table leaves out (1 274 clients, 10 rows, headed "top client")', () => {
    expect(profileHtml(pool)).toContain('<th>top 10 of 35 clients</th><th>share</th>');
    expect(profileHtml({ ...pool, clients: pool.clients.slice(0, 3) })).toContain('<th>client</th><th>share</th>');
  });

  it('prints integer quantiles as integers (image_count p50 read "1.00")', () => {
    expect(profileHtml(pool)).toMatch(/<tr><td><code>image_count<\/code><\/td><td>1.59<\/td><td>1<\/td><td>3<\/td><td>9<\/td><\/tr>/);
  });

  it("draws a one-client profile's concentration as a dot (the chart was empty)", () => {
    const one = { ...pool, clients: pool.clients.slice(0, 1) };
    const html = profileHtml(one);
    const chart = html.slice(html.indexOf('aria-label="Client concentration"'));
    expect(chart.slice(0, chart.indexOf('</svg>'))).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="3"/);
  });
});

describe('the fit report titles its inputs by name (found by a visual audit: "Profile fitted to 1 input file(s)")', () => {
  it('on the DuckDB engine, and on the TypeScript engine with several files', async () => {
    const dir = tempDir();
    const parts = ['day-1.csv', 'day-2.csv'].map((f, k) => {
      const path = join(dir, f);
      writeFileSync(path, `timestamp,client_id,input_tokens,output_tokens\n${Array.from({ length: 200 }, (_, i) => `${k * 1000 + i * 2.5},a,${10 + i},20`).join('\n')}\n`);
      return path;
    });
    const title = async (name: string, ...args: string[]) => {
      const report = join(dir, `${name}.html`);
      const r = await runCli('fit', ...args, '--preset', 'servegen', '--out', join(dir, `${name}.json`), '--report', report, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      return /<title>([^<]*)<\/title>/.exec(readFileSync(report, 'utf8'))![1];
    };
    expect(await title('duck', parts[0], '--engine', 'duckdb')).toBe(`Profile fitted to ${parts[0]}`);
    expect(await title('ts', ...parts, '--engine', 'ts')).toBe(`Profile fitted to ${parts.join(', ')}`);
  });
});

"""Writes notebooks/*.ipynb (Deno kernel, TypeScript) from the cell sources below.

Run: python3 scripts/make-notebooks.py && npm run notebooks   (executes them in place)
"""
import json

def nb(cells):
    return {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": src} if kind == "md" else
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}
            for kind, src in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Deno", "language": "typescript", "name": "deno"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/x.typescript"},
        },
        "nbformat": 4, "nbformat_minor": 5,
    }

SETUP = """import { ingestFiles } from '../src/ingest/ingest.ts';
import { loadPreset } from '../src/ingest/presets.ts';
import { fitTrace } from '../src/fit/fit-trace.ts';
import { importServegenPool } from '../src/profile/upstream.ts';
import { summarizeProfile } from '../src/profile/summarize.ts';
import { fieldCdfs } from '../src/profile/report-html.ts';
import { lineChart, barChart } from '../src/report/svg.ts';
import type { Profile } from '../src/profile/schema.ts';

const svg = async (s: string): Promise<void> => {
  await Deno.jupyter.display({ 'image/svg+xml': s }, { raw: true });
};
const md = async (s: string): Promise<void> => {
  await Deno.jupyter.display({ 'text/markdown': s }, { raw: true });
};
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const fitOpts = { arrivalSeconds: 600, lengthSeconds: 21600, minArrivals: 10, minClientRequests: 0, sourceSha256: null, created: 'notebook' };
"""

characterize = nb([
    ("md", "# 01 — Characterizing real LLM-serving workloads\n\nThe characterization of the ServeGen paper (Xiang et al., NSDI '26), reproduced with this project's code on the bundled real traces (Azure LLM 2023 code/conv, Mooncake conversation, a BurstGPT slice) and upstream ServeGen client pools (mm-image, a deepseek-r1 sample). Everything below runs on `fixtures/`; re-execute with `npm run notebooks`."),
    ("code", SETUP),
    ("md", "## Real traces: fit each one and summarize"),
    ("code", """const traces = [
  ['Azure conv', 'azure-llm-2023', '../fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv'],
  ['Azure code', 'azure-llm-2023', '../fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_code.csv'],
  ['Mooncake conversation', 'mooncake', '../fixtures/traces/mooncake/conversation_trace.jsonl.gz'],
  ['BurstGPT slice', 'burstgpt', '../fixtures/traces/burstgpt/burstgpt3_slice.csv'],
] as const;
const fitted: Record<string, Profile> = {};
let table = '| trace | requests | clients | span (h) | mean req/s | request-weighted median IAT CV | family mix |\\n|---|---|---|---|---|---|---|\\n';
for (const [name, preset, file] of traces) {
  const { trace } = await ingestFiles({ inputs: [file], mapping: loadPreset(preset) });
  const { profile } = fitTrace(trace, fitOpts);
  fitted[name] = profile;
  const s = summarizeProfile(profile);
  table += `| ${name} | ${s.requests} | ${s.clients} | ${fmt(s.span.hours)} | ${fmt(s.meanRate)} | ${fmt(s.cv.requestWeightedMedian)} | ${Object.entries(s.familyMix).map(([k, v]) => `${k} ${(100 * v).toFixed(0)} %`).join(', ')} |\\n`;
}
await md(table);"""),
    ("md", "### Rate over time (per 600 s window)"),
    ("code", """svg(lineChart({
  title: 'Request rate per window',
  series: Object.entries(fitted).filter(([n]) => n !== 'BurstGPT slice').map(([label, p]) => ({ label, points: p.clients[0].arrivals.map((w) => [w.start / 60, w.rate] as [number, number]) })),
  xLabel: 'minutes from start', yLabel: 'requests/s', width: 640,
}));"""),
    ("md", "## Upstream client pools: burstiness, family mix, client concentration"),
    ("code", """const pools: Record<string, Profile> = {
  'mm-image': importServegenPool('../fixtures/servegen/multimodal/mm-image').profile,
  'deepseek-r1 (sample)': importServegenPool('../fixtures/servegen/reason/deepseek-r1-sample').profile,
};
const cvCdf = (p: Profile): [number, number][] => {
  const xs: [number, number][] = [];
  for (const c of p.clients) for (const w of c.arrivals) if (w.model && w.cv !== null && w.rate > 0) xs.push([w.cv, w.rate]);
  xs.sort((a, b) => a[0] - b[0]);
  const tot = xs.reduce((a, b) => a + b[1], 0);
  let acc = 0;
  return xs.map(([cv, r]) => [cv, (acc += r / tot)]);
};
await svg(lineChart({ title: 'IAT CV per window (request-weighted CDF)', series: [...Object.entries(pools), ...Object.entries(fitted)].map(([label, p]) => ({ label, points: cvCdf(p) })), xLabel: 'CV (log)', yLabel: 'share of requests', xLog: true, width: 640 }));"""),
    ("code", """const rows = Object.entries(pools).map(([name, p]) => ({ name, s: summarizeProfile(p) }));
await svg(barChart({ title: 'Arrival family mix (share of requests)', rows: ['gamma', 'weibull', 'exponential'].map((f) => ({ label: f, values: rows.map((r) => r.s.familyMix[f] ?? 0) })), seriesLabels: rows.map((r) => r.name), xLabel: 'share' }));
await md(rows.map((r) => `**${r.name}**: ${r.s.clients} clients; ${r.s.concentration.p50} / ${r.s.concentration.p90} / ${r.s.concentration.p99} carry 50 / 90 / 99 % of requests; ${(100 * r.s.cv.shareAbove1).toFixed(0)} % of requests in windows with CV > 1.`).join('\\n\\n'));"""),
    ("md", "## Lengths: CDFs with fitted curves, multimodal and reasoning"),
    ("code", """for (const [name, p] of Object.entries(fitted).slice(0, 2)) {
  await svg(lineChart({ title: `${name}: input tokens`, series: fieldCdfs(p, 'input_tokens'), xLabel: 'input tokens (log)', yLabel: 'P(X ≤ x)', xLog: true }));
  await svg(lineChart({ title: `${name}: output tokens`, series: fieldCdfs(p, 'output_tokens'), xLabel: 'output tokens (log)', yLabel: 'P(X ≤ x)', xLog: true }));
}"""),
    ("code", """const mm = summarizeProfile(pools['mm-image']);
const ic = mm.fields.image_count!.counts!;
const r1 = summarizeProfile(pools['deepseek-r1 (sample)']);
await md(`**mm-image**: P(1 image) = ${(100 * ic.p1).toFixed(1)} %, P(≥ 2 images) = ${(100 * (ic.p2 + ic.p3plus)).toFixed(1)} % (the paper: about 20 % of requests carry more than one image).\\n\\n**deepseek-r1 sample**: reasoning ≈ ${fmt(r1.reasoningToAnswer!)} × answer tokens (the paper: about 4× on average); reason ratio p50 ${fmt(r1.fields.reason_ratio!.p50)}, p90 ${fmt(r1.fields.reason_ratio!.p90)}.`);
await svg(lineChart({ title: 'deepseek-r1: reason ratio (reasoning / output tokens)', series: fieldCdfs(pools['deepseek-r1 (sample)'], 'reason_ratio'), xLabel: 'ratio', yLabel: 'P(X ≤ x)' }));"""),
])

fidelity = nb([
    ("md", "# 02 — Fidelity: per-client generation vs the naive baseline\n\nA source trace drawn from the upstream mm-image pool (35 clients, bursty), then two regenerations from the same profile: per client (ServeGen) and the paper's naive baseline (one aggregate Poisson process, pooled lengths). `validate` compares both with the source, metric by metric."),
    ("code", SETUP + """import { planGeneration } from '../src/generate/compose.ts';
import { planNaiveGeneration } from '../src/generate/naive.ts';
import { validateTraces } from '../src/validate/validate.ts';
import { loadThresholds } from '../src/validate/thresholds.ts';
import { LENGTH_COLUMNS } from '../src/io/trace-schema.ts';
import type { Trace } from '../src/ingest/trace.ts';
import type { IngestResult } from '../src/ingest/ingest.ts';
import type { GenerationPlan } from '../src/generate/compose.ts';

const toTrace = (plan: GenerationPlan): Trace => {
  const t: number[] = [], c: number[] = [], cols: Record<string, number[]> = {};
  for (const b of plan.batches) {
    for (let i = 0; i < b.n; i++) { t.push(b.timestamp[i]); c.push(b.client[i]); }
    LENGTH_COLUMNS.forEach((name, j) => { const col = b.lengths[j]; if (col) for (let i = 0; i < b.n; i++) (cols[name] ??= []).push(Number.isNaN(col[i]) ? -1 : col[i]); });
  }
  return { n: t.length, timestamp: Float64Array.from(t), client: Int32Array.from(c), clientIds: plan.clientIds, ints: Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Int32Array.from(v)])), texts: {}, origin: null };
};
const asResult = (trace: Trace) => ({ trace, rejects: [], summary: { files: ['(memory)'] } }) as unknown as IngestResult;
"""),
    ("code", """const pool = importServegenPool('../fixtures/servegen/multimodal/mm-image').profile;
const opts = { start: 36000, duration: 7200, rate: { kind: 'constant' as const, rate: 25 }, seed: 1 };
const source = toTrace(planGeneration(pool, opts));
const ours = toTrace(planGeneration(pool, { ...opts, seed: 2 }));
const naive = toTrace(planNaiveGeneration(pool, { ...opts, seed: 2 }));
const { report, charts } = validateTraces(asResult(source), asResult(ours), loadThresholds(), { baseline: asResult(naive) });
await md(`**${report.pass ? 'PASS' : 'FAIL'}** — ${report.source.requests} source, ${report.generated.requests} per-client, ${report.baseline!.requests} naive requests.`);"""),
    ("code", """const names = ['iat_cv_rel_err', 'dispersion_rel_err_1s', 'dispersion_rel_err_10s', 'dispersion_rel_err_60s', 'iat_ks', 'input_tokens_ks', 'output_tokens_ks', 'client_share_tv'];
await md('| metric | per-client | naive | naive / per-client |\\n|---|---|---|---|\\n' + names.map((n) => { const m = report.metrics[n]; return `| ${n} | ${fmt(m.value!)} | ${fmt(m.baseline!)} | ${fmt(m.baseline! / Math.max(1e-12, m.value!))}× |`; }).join('\\n'));"""),
    ("code", """svg(lineChart({ title: 'Index of dispersion vs time scale', series: charts.dispersion, xLabel: 'bin (s, log)', yLabel: 'variance / mean (log)', xLog: true, yLog: true }));
await svg(lineChart({ title: 'Inter-arrival time CDF (aggregate)', series: charts.iatCdf, xLabel: 'gap (s, log)', yLabel: 'P(gap ≤ x)', xLog: true }));
await svg(barChart({ title: 'Client shares', rows: charts.shares.map((s) => ({ label: s.id, values: s.values })), seriesLabels: charts.shareLabels, xLabel: 'share' }));"""),
    ("md", "The naive baseline matches the aggregate rate and the pooled length marginals, but not the burstiness: its dispersion and IAT CV are those of a Poisson process, which is what under-provisions a serving system."),
])

for name, book in [("01-characterize", characterize), ("02-fidelity", fidelity)]:
    with open(f"notebooks/{name}.ipynb", "w") as f:
        json.dump(book, f, indent=1)
        f.write("\n")
print("wrote notebooks/01-characterize.ipynb, notebooks/02-fidelity.ipynb")

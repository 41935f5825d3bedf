#!/usr/bin/env bash
# An in-house gateway's log, end to end: each line written when a request finishes (its end
# time and latency), health checks among the model requests. Made from the bundled Azure code
# trace (2023, CC-BY-4.0): every request's latency is input / 5000 + output / 40 s (the
# capacity command's service model), and a GET /health every 5 s. The mapping reads arrivals as
# end − latency and drops the health checks ("drop"; "keep" lists the rows to keep instead);
# then fit, generate, validate and capacity.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
node --input-type=module - <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
const lines = readFileSync('fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_code.csv', 'utf8').trim().split('\n').slice(1);
const rows = [];
for (const l of lines) {
  const [ts, input, output] = l.split(',');
  // 2023-11-16 18:17:03.9799600: whole ms from Date, the rest as a fraction.
  const start = Date.parse(`${ts.slice(0, 23).replace(' ', 'T')}Z`) / 1000 + Number(`0.000${ts.slice(23)}`);
  const latency = Number(input) / 5000 + Number(output) / 40;
  rows.push({ end: start + latency, latency, method: 'POST', path: '/v1/chat/completions', usage: { prompt_tokens: Number(input), completion_tokens: Number(output) } });
}
const first = Math.min(...rows.map((r) => r.end));
const last = Math.max(...rows.map((r) => r.end));
for (let t = Math.ceil(first); t < last; t += 5) rows.push({ end: t + 0.002, latency: 0.002, method: 'GET', path: '/health' });
rows.sort((a, b) => a.end - b.end);
const iso = (s) => new Date(Math.floor(s * 1000)).toISOString().replace('Z', `${String(Math.floor((s * 1e6) % 1000)).padStart(3, '0')}Z`);
writeFileSync('out/gateway.jsonl', rows.map((r) => JSON.stringify({ time: iso(r.end), latency_ms: Math.round(r.latency * 1e6) / 1000, tenant: 'code-assist', method: r.method, path: r.path, ...(r.usage ? { usage: r.usage } : {}) })).join('\n') + '\n');
EOF
cat > out/gateway-map.json <<'EOF'
{"columns": {"timestamp": "time", "duration": "latency_ms", "client_id": "tenant",
             "filter": ["method", "path"],
             "input_tokens": "usage.prompt_tokens", "output_tokens": "usage.completion_tokens"},
 "timestamp": {"unit": "iso", "marks": "end", "duration_unit": "ms"},
 "separator": " ", "drop": ["GET /health"]}
EOF
echo "first lines of the log:"
head -3 out/gateway.jsonl
npx servegen ingest out/gateway.jsonl --map out/gateway-map.json --out out/gateway-trace.parquet
npx servegen fit out/gateway.jsonl --map out/gateway-map.json --out out/gateway-profile.json --quiet
npx servegen generate out/gateway-profile.json --duration 3437 --seed 1 --out out/gateway-generated.jsonl --quiet
npx servegen validate out/gateway.jsonl out/gateway-generated.jsonl --source-map out/gateway-map.json 2>&1 | tail -1 || true
# (the generated workload needs fewer slots than this log: the Azure code trace's two largest
# surges are below the profile's 600 s windows; docs/benchmarks.md, Provisioning)
npx servegen capacity out/gateway.jsonl out/gateway-generated.jsonl --source-map out/gateway-map.json

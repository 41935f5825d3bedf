#!/usr/bin/env bash
# Roundtrip (fit → generate → validate, naive baseline beside) on every bundled real trace
# and on traces generated from the upstream mm-image and deepseek-r1 pools; copies the JSON
# reports to docs/fidelity/ and prints a summary table. Exit 1 if any roundtrip fails.
set -uo pipefail
cd "$(dirname "$0")/.."
sg() { node bin/servegen.js "$@"; }
out=out/fidelity
mkdir -p "$out" docs/fidelity
SHARED=../shared/data/servegen
DS=fixtures/servegen/reason/deepseek-r1-sample
[ -d "$SHARED/reason/deepseek-r1" ] && DS=$SHARED/reason/deepseek-r1
sg import-servegen fixtures/servegen/multimodal/mm-image --out "$out/mm-image-pool.json" --quiet
sg generate "$out/mm-image-pool.json" --start 36000 --duration 7200 --seed 11 --out "$out/mm-image-trace.jsonl" --quiet
sg import-servegen "$DS" --out "$out/deepseek-r1-pool.json" --quiet
sg generate "$out/deepseek-r1-pool.json" --start 64800 --duration 7200 --seed 11 --out "$out/deepseek-r1-trace.jsonl" --quiet
status=0
run() { # name, then roundtrip args
  local name=$1; shift
  if sg roundtrip "$@" --out "$out/$name" --quiet; then r=pass; else r=FAIL; status=1; fi
  cp "$out/$name/fidelity.json" "docs/fidelity/$name.json"
  echo "$name $r"
}
run azure-conv fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv --preset azure-llm-2023
run azure-code fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_code.csv --preset azure-llm-2023
run mooncake-conversation fixtures/traces/mooncake/conversation_trace.jsonl.gz --preset mooncake
run mooncake-synthetic fixtures/traces/mooncake/synthetic_trace.jsonl.gz --preset mooncake
run burstgpt-slice fixtures/traces/burstgpt/burstgpt3_slice.csv --preset burstgpt
run mm-image-pool-trace "$out/mm-image-trace.jsonl"
run deepseek-r1-pool-trace "$out/deepseek-r1-trace.jsonl"
node -e '
const fs = require("fs");
const rows = fs.readdirSync("docs/fidelity").filter((f) => f.endsWith(".json")).sort().map((f) => {
  const r = JSON.parse(fs.readFileSync("docs/fidelity/" + f, "utf8"));
  const m = r.metrics;
  const v = (k) => (m[k] && m[k].value !== null ? m[k].value.toFixed(3) : "—");
  const b = (k) => (m[k] && m[k].baseline != null ? m[k].baseline.toFixed(3) : "—");
  const judged = Object.values(m).filter((x) => x.value !== null).length;
  // Peak load (p99 of input + output tokens per second over 10 s bins): what each side needs provisioned, and its error.
  const peak = (s) => (s && s.peak_p99 && s.peak_p99.tokens_per_s !== null ? Math.round(s.peak_p99.tokens_per_s) : "—");
  const signed = (s) => (s && s.peak_p99 && s.peak_p99.tokens_per_s !== null && r.source.peak_p99.tokens_per_s ? `${s.peak_p99.tokens_per_s >= r.source.peak_p99.tokens_per_s ? "+" : "−"}${Math.round(Math.abs(100 * (s.peak_p99.tokens_per_s / r.source.peak_p99.tokens_per_s - 1)))} %` : "—");
  return `| ${f.replace(".json", "")} | ${r.source.requests} | ${r.pass ? "pass" : "FAIL"} (${judged - r.failed.length}/${judged}) | ${v("iat_cv_rel_err")} / ${b("iat_cv_rel_err")} | ${v("dispersion_rel_err_10s")} / ${b("dispersion_rel_err_10s")} | ${v("input_tokens_ks")} / ${b("input_tokens_ks")} | ${v("client_share_tv")} / ${b("client_share_tv")} | ${peak(r.source)} / ${signed(r.generated)} / ${signed(r.baseline)} |`;
});
console.log("| trace | requests | verdict (metrics) | IAT CV rel. err (ours / naive) | dispersion 10 s rel. err (ours / naive) | input KS (ours / naive) | client share TV (ours / naive) | peak tokens/s, p99 of 10 s (source / ours / naive) |");
console.log("|---|---|---|---|---|---|---|---|");
console.log(rows.join("\n"));
'
exit $status

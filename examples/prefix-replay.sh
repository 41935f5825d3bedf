#!/usr/bin/env bash
# Prompt-prefix reuse, end to end, on the bundled Mooncake chat trace (FAST'25, Apache-2.0):
# its hash_ids (one id per 512-token block; equal ids, equal prompt prefixes) are fitted per
# client, a replay file for twice the load is generated with block ids, and validate compares
# the prefix-cache hit ratios of a same-rate draw with the trace's. The replay file is what
# AIPerf replays (--custom-dataset-type mooncake_trace --fixed-schedule); `aiperf analyze-trace
# out/prefix-replay.jsonl` reports its cache hit rates independently of this tool.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
trace=fixtures/traces/mooncake/conversation_trace.jsonl.gz
npx servegen fit "$trace" --preset mooncake --out out/prefix-profile.json --quiet
npx servegen inspect out/prefix-profile.json | grep -E "^profile|requests|prefix reuse"
# A replay at twice the trace's rate for an hour: each request with its block ids.
npx servegen generate out/prefix-profile.json --duration 3600 --rate scale:2 --seed 1 --format mooncake --out out/prefix-replay.jsonl
echo "first lines of the replay (hash_ids cut to 8 ids):"
head -3 out/prefix-replay.jsonl | sed -E 's/("hash_ids":\[([0-9]+,){8})[0-9,]*/\1…/'
# Fidelity of a same-rate draw: the two prefix metrics among the others.
npx servegen generate out/prefix-profile.json --duration 3537 --seed 2 --out out/prefix-same-rate.jsonl --quiet
status=0
npx servegen validate "$trace" out/prefix-same-rate.jsonl --source-preset mooncake --json out/prefix-fidelity.json --quiet || status=$?
node -e '
const m = JSON.parse(require("fs").readFileSync("out/prefix-fidelity.json", "utf8")).metrics;
for (const k of ["prefix_hit_ratio_abs_err", "prefix_lru_hit_ratio_abs_err"]) console.log(`${k}: ${m[k].value.toFixed(3)} (threshold ${m[k].threshold}) ${m[k].pass ? "pass" : "FAIL"}: ${m[k].note}`);
'
echo "validate exit code: $status"
exit $status

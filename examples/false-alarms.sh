#!/usr/bin/env bash
# False alarms of `validate`: pairs of draws of one profile validated against each other (any
# failure is a false alarm). Profiles: the mm-image and deepseek-r1 sample pools (fixtures) and
# Azure conv's, Azure code's (gap memory) and the BurstGPT slice's fitted profiles (BurstGPT:
# sessions, so the session metrics too); 8 pairs each at scale:0.05 and scale:1 (BurstGPT: scale:1 and scale:10), 2 h each. Prints one line
# per pair (requests, metrics judged, failed metrics) and a count per profile and rate.
# BIN=… runs another build of the CLI (for before/after comparisons); PROFS="mm az" narrows it.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
B=${BIN:-$root/bin/servegen.js}
D=${DIR:-$root/out/false-alarms}
mkdir -p "$D"
cd "$D"
node "$B" import-servegen "$root/fixtures/servegen/multimodal/mm-image" --out mm.json --quiet
node "$B" import-servegen "$root/fixtures/servegen/reason/deepseek-r1-sample" --out ds.json --quiet
node "$B" fit "$root/fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv" --preset azure-llm-2023 --out az.json --quiet
node "$B" fit "$root/fixtures/traces/azure-llm-2023/AzureLLMInferenceTrace_code.csv" --preset azure-llm-2023 --out ac.json --quiet
node "$B" fit "$root/fixtures/traces/burstgpt/burstgpt3_slice.csv" --preset burstgpt --out bg.json --quiet
for prof in ${PROFS:-mm ds az ac bg}; do
  # Spans where each profile is active (the deepseek-r1 sample pool is idle at 10:00–12:00;
  # the BurstGPT slice is busiest in its last 2 h).
  start=36000; [ "$prof" = az ] && start=0; [ "$prof" = ac ] && start=0; [ "$prof" = ds ] && start=64800; [ "$prof" = bg ] && start=19474000
  rates="scale:0.05 scale:1"; [ "$prof" = bg ] && rates="scale:1 scale:10"
  for rate in $rates; do
    bad=0
    for k in 1 2 3 4 5 6 7 8; do
      a=$((2 * k)); b=$((2 * k + 1))
      for s in $a $b; do node "$B" generate $prof.json --start $start --duration 7200 --rate $rate --seed $s --out "$prof-$s.jsonl" --quiet; done
      node "$B" validate "$prof-$a.jsonl" "$prof-$b.jsonl" --json "v-$prof-$rate-$k.json" --quiet
      rc=$?
      [ $rc -ne 0 ] && bad=$((bad + 1))
      echo "$prof $rate pair $k rc=$rc $(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.source.requests, Object.keys(r.metrics).length, JSON.stringify(r.failed))' "v-$prof-$rate-$k.json")"
      rm -f "$prof-$a.jsonl" "$prof-$b.jsonl"
    done
    echo "$prof $rate: $bad of 8 pairs failed"
  done
done

#!/usr/bin/env bash
# A cluster client: requests sent together but logged apart — 50 requests ~0.4 ms apart
# (about 20 ms a cluster) every 300 s on a µs clock — beside a Poisson chat client (1 req/s),
# 6 h. No two of its requests share a timestamp, so they are not batches at one instant
# (examples/batch-client.sh); `fit` finds the runs of gaps below 10 ms, of 50 requests each,
# and gives the client `batches.sizes` (requests per cluster), `batches.below` (0.01 s) and
# `batches.within` (the gaps inside clusters), its windows fitted to the 300 s gaps between
# clusters (README, Batch clients). Drawn one gap at a time, as before session 23, its runs came
# out geometric in length (mean 50, often 150): roundtrip failed every dispersion metric, the
# 1 s index 19.3 against the log's 7.8, and the draw needed 3.4× the log's serving slots.
# Session 23: 60/60, 1 s index 7.78 against 7.85, capacity +0 % / +0 %.
# Usage: bash examples/jittered-batch.sh [OUT_DIR]   (exit 1 if roundtrip fails)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
D=${1:-$root/out/jittered-batch}
mkdir -p "$D"
python3 - "$D/jittered.csv" <<'PY'
import random, sys
random.seed(11)
rows = []
base = 1717200000.0
t = 0
while t < 6 * 3600:
    off = 0.0
    for _ in range(50):
        off += random.expovariate(1 / 0.0004)
        rows.append((base + t + off, 'batch'))
    t += 300
t = 0
while t < 6 * 3600:
    t += random.expovariate(1.0)
    rows.append((base + t, 'chat'))
rows.sort()
with open(sys.argv[1], 'w') as f:
    f.write('ts,tenant,pin,pout\n')
    for r in rows:
        f.write(f'{r[0]:.6f},{r[1]},{random.randint(100, 3000)},{random.randint(10, 400)}\n')
PY
printf '{"columns":{"timestamp":"ts","client_id":"tenant","input_tokens":"pin","output_tokens":"pout"},"timestamp":{"unit":"s"}}' > "$D/map.json"
node "$root/bin/servegen.js" roundtrip "$D/jittered.csv" --map "$D/map.json" --out "$D/roundtrip" 2>&1 | grep -E 'FAIL|PASS|capacity'
rc=${PIPESTATUS[0]}
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
for s in ('source', 'generated'):
    print(f\"{s:10s} index of dispersion 1/10/60 s: {' / '.join(f'{v:.2f}' for v in d[s]['index_of_dispersion'].values())}\")
" "$D/roundtrip/fidelity.json"
exit $rc

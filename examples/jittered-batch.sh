#!/usr/bin/env bash
# A known limit, reproduced: a batch client whose requests are sent together but logged apart —
# 50 requests ~0.4 ms apart (about 20 ms a batch) every 300 s on a µs clock — beside a Poisson
# chat client (1 req/s), 6 h. The batch model takes only requests at one instant (equal
# timestamps: examples/batch-client.sh), so this client is drawn one gap at a time from a
# window gap distribution of 98 % sub-ms gaps and 2 % of 300 s: runs of short gaps come out
# geometric in length (mean 50, but often 150), not 50 each, and `roundtrip` fails every
# dispersion metric, the generated trace needing ~3× the serving slots of the log (session 22:
# 1 s index 19.3 against 7.8, capacity +242 %). A cluster model (runs of gaps below a threshold,
# with their sizes counted by the scan) is the next step (README, Batch clients).
# Usage: bash examples/jittered-batch.sh [OUT_DIR]   (exit 1 while the limit stands)
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

#!/usr/bin/env bash
# A batch client: 50 requests at the same millisecond every 300 s, beside a Poisson chat client
# (1 req/s), 6 h. `fit` gives it `batches.sizes` (requests per instant) and fits its windows to
# the gaps between instants; `generate` draws instants and a size for each, so `roundtrip` keeps
# the log's 1 s and 10 s dispersion and its serving slots (README, Validating fidelity). Without
# the batch model (before session 22) this failed: 1 s dispersion 3.18 against 8.08, 31 % fewer
# slots, as no renewal process of gaps makes exact batches.
# Usage: bash examples/batch-client.sh [OUT_DIR]   (exit 0 when roundtrip passes)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
D=${1:-$root/out/batch-client}
mkdir -p "$D"
python3 - "$D/batch.csv" <<'PY'
import random, sys
random.seed(11)
rows = []
base = 1717200000.0
t = 0
while t < 6 * 3600:
    for _ in range(50):
        rows.append((base + t, 'batch', random.randint(100, 3000), random.randint(10, 400)))
    t += 300
t = 0
while t < 6 * 3600:
    t += random.expovariate(1.0)
    rows.append((base + t, 'chat', random.randint(10, 900), random.randint(5, 300)))
rows.sort()
with open(sys.argv[1], 'w') as f:
    f.write('ts,tenant,pin,pout\n')
    for r in rows:
        f.write(f'{r[0]:.3f},{r[1]},{r[2]},{r[3]}\n')
PY
printf '{"columns":{"timestamp":"ts","client_id":"tenant","input_tokens":"pin","output_tokens":"pout"},"timestamp":{"unit":"s"}}' > "$D/map.json"
node "$root/bin/servegen.js" roundtrip "$D/batch.csv" --map "$D/map.json" --out "$D/roundtrip" 2>&1 | grep -E 'FAIL|PASS|capacity'
rc=${PIPESTATUS[0]}
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
for s in ('source', 'generated'):
    print(f\"{s:10s} index of dispersion 1/10/60 s: {' / '.join(f'{v:.2f}' for v in d[s]['index_of_dispersion'].values())}\")
" "$D/roundtrip/fidelity.json"
exit $rc

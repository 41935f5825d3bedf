#!/usr/bin/env bash
# The main job end to end on a bundled example: an upstream ServeGen pool (mm-image,
# 35 clients, 1 day) → profile → 1 h of requests at 100 req/s → characterization.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
npx servegen import-servegen fixtures/servegen/multimodal/mm-image --out out/mm-image.json
npx servegen generate out/mm-image.json --start 64800 --duration 3600 --rate constant:100 --seed 1 --out out/requests.jsonl
npx servegen inspect out/mm-image.json
echo "first requests:"
sed -n '2,4p' out/requests.jsonl

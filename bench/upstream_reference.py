#!/usr/bin/env python3
"""Reference side of the ServeGen-TS benchmark.

This is a RE-IMPLEMENTATION written for benchmarking only; it is NOT upstream
code. It mimics the algorithm and cost profile of the upstream ServeGen Python
library (github.com/alibaba/ServeGen, Apache-2.0) using plain numpy/scipy:

* load (ClientPool._load_data): json.load each chunk-N-dataset.json, eval()
  every dict-literal string, expand int-keyed PDFs to dense lists, then read
  the matching chunk-N-trace.csv line by line. Clients without a dataset file
  are skipped, as upstream does.
* generate (generate_workload): RandomState(seed); per 600 s window and client,
  deterministic count n = round(target_rate * window_len), gamma/weibull_min
  gaps via scipy .rvs rescaled to fill the window, ONE uniform per request
  shared by every length field (upstream's comonotonic defect, kept for cost),
  one Python object per request, final sort by timestamp.

Usage: python3 bench/upstream_reference.py <pool_dir> --start S --duration D
       --rate R [--seed N] [--repeat K]
Prints one JSON line to stdout.
"""
import argparse
import json
import os
import re
import resource
import statistics
import sys
import time

import numpy as np
from scipy import stats

WINDOW = 600


def load_pool(pool_dir):
    """Return (clients, skipped). Each client: {"trace": {...}, "data": {...}}."""
    chunk_ids = sorted(
        int(m.group(1))
        for m in (re.match(r"chunk-(\d+)-trace\.csv$", f) for f in os.listdir(pool_dir))
        if m
    )
    clients, skipped = [], 0
    for cid in chunk_ids:
        ds_path = os.path.join(pool_dir, f"chunk-{cid}-dataset.json")
        if not os.path.exists(ds_path):
            skipped += 1
            continue
        with open(ds_path) as fh:
            raw = json.load(fh)
        data = {}
        for ts_str, fields in raw.items():
            window = {}
            for name, v in fields.items():
                pdf = eval(v)  # noqa: upstream uses eval; reproduced here only to measure it
                if not pdf:
                    window = None
                    break
                keys = list(pdf.keys())
                if isinstance(keys[0], int):
                    dense = [pdf.get(b, 0.0) for b in range(max(keys) + 1)]
                    window[name] = (None, dense)
                else:
                    window[name] = (keys, list(pdf.values()))
            if window is not None:
                data[int(ts_str)] = window
        trace = {}
        with open(os.path.join(pool_dir, f"chunk-{cid}-trace.csv")) as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                ts, rate, cv, fam, a, b = line.split(",")
                rate = float(rate)
                if rate == 0 or not fam:
                    trace[int(ts)] = None
                else:
                    trace[int(ts)] = {
                        "rate": rate,
                        "cv": float(cv),
                        "pat": (fam, (float(a), float(b))),
                    }
        clients.append({"trace": trace, "data": data, "data_ts": sorted(data)})
    return clients, skipped


class Request:
    """Per-request object, as upstream builds one per request."""

    def __init__(self, request_id, timestamp, data):
        self.request_id = request_id
        self.timestamp = timestamp
        self.data = data


def dataset_window(client, ts):
    """Latest loaded dataset window whose start is <= ts (None if none)."""
    best = None
    for d in client["data_ts"]:
        if d <= ts:
            best = d
        else:
            break
    return None if best is None else client["data"][best]


def generate_workload(clients, rate_fn, start, duration, seed):
    rng = np.random.RandomState(seed)
    requests = []
    end = start + duration
    ws = (start // WINDOW) * WINDOW
    while ws < end:
        lo, hi = max(ws, start), min(ws + WINDOW, end)
        win_len = hi - lo
        active = []
        for c in clients:
            entry = c["trace"].get(ws)
            if entry is None:
                continue
            ds = dataset_window(c, ws)
            if ds is not None:
                active.append((entry, ds))
        total = sum(e["rate"] for e, _ in active)
        for entry, ds in active:
            target = rate_fn(ws) * entry["rate"] / total
            n = int(round(target * win_len))
            if n <= 0:
                continue
            fam, (shape, scale) = entry["pat"]
            if fam == "Gamma":
                dist = stats.gamma(a=shape, scale=scale)
            else:
                dist = stats.weibull_min(c=shape, scale=scale)
            gaps = dist.rvs(size=n, random_state=rng)
            stamps = lo + np.cumsum(gaps) * win_len / np.sum(gaps)
            u = rng.random_sample(n)  # one uniform shared by all fields
            sampled = {}
            for name, (keys, pdf) in ds.items():
                idx = np.searchsorted(np.cumsum(pdf), u)
                idx = np.minimum(idx, len(pdf) - 1)
                sampled[name] = idx if keys is None else np.asarray(keys)[idx]
            names = list(sampled)
            cols = [sampled[k].tolist() for k in names]
            for i, t in enumerate(stamps.tolist()):
                requests.append(
                    Request(len(requests), t, {k: col[i] for k, col in zip(names, cols)})
                )
        ws += WINDOW
    requests.sort(key=lambda r: r.timestamp)
    return requests


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("pool_dir")
    p.add_argument("--start", type=int, required=True)
    p.add_argument("--duration", type=int, required=True)
    p.add_argument("--rate", type=float, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)

    load_times, gen_times = [], []
    n_req = loaded = skipped = 0
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        clients, skipped = load_pool(args.pool_dir)
        load_times.append(time.perf_counter() - t0)
        loaded = len(clients)
        t0 = time.perf_counter()
        reqs = generate_workload(
            clients, lambda _ws: args.rate, args.start, args.duration, args.seed
        )
        gen_times.append(time.perf_counter() - t0)
        n_req = len(reqs)
        del reqs, clients

    gen_s = statistics.median(gen_times)
    out = {
        "pool": args.pool_dir,
        "clients_loaded": loaded,
        "clients_skipped_no_dataset": skipped,
        "load_seconds": round(statistics.median(load_times), 6),
        "generate_seconds": round(gen_s, 6),
        "requests": n_req,
        "requests_per_second": round(n_req / gen_s, 1) if gen_s > 0 else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()

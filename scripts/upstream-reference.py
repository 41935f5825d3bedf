#!/usr/bin/env python3
"""Parity check of `servegen generate` against upstream ServeGen's own generator.

A RE-IMPLEMENTATION for comparison, written for this project; it is NOT upstream code. It
mirrors the semantics of upstream ServeGen's `servegen.construct.generate_workload` with the
rate functions of `servegen.utils` (github.com/alibaba/ServeGen, Apache-2.0), as read from
its source (docs/profile-format.md, "Parity with upstream's generator", lists them):

* pool: only clients with a chunk-N-dataset.json are loaded; a trace row with an empty
  family is no window (rate None); a length window with any empty PMF is dropped, and a
  request's window is the last non-dropped one starting at or before its arrival window
  (none: upstream raises);
* rate: per arrival window, client share = its rate / the sum over windows that have a
  family (constant:R gives R, scale:K gives K x that sum);
* arrivals: per client and window, n = ceil(share x window) gaps drawn from the stored
  Gamma/Weibull (shape, scale), rescaled to sum to the window, cumulated from the window's
  start, and those < window end kept (so ~floor(share x window) requests; the process
  restarts at every window boundary);
* lengths: ONE uniform per request for every field of the window (input, output, counts,
  reason ratio: comonotonic), value = searchsorted(cumsum(pmf), u); reason ratio =
  index / (bins - 1); each image/audio/video item's tokens from its own uniform.
RNG: numpy RandomState(seed), clients visited in ascending chunk number (upstream visits
them in os.listdir order, so its own output depends on the file system).

Subcommands:
  gen POOL_DIR --start S --duration D --rate constant:R|scale:K --seed N --out FILE
      writes jsonl in servegen-ts's trace columns (plus reason_ratio).
  stats FILE --duration D       prints the statistics `parity` compares, as JSON.
  shares POOL_DIR --start S --duration D --rate R [--seeds 1,2,3]
      per-client request shares (mean over seeds), as test/generate/upstream-parity.test.ts
      reads them from fixtures/reference/upstream-generate-shares.json.
  parity POOL_DIR [--start S] [--duration D] [--rates constant:100,scale:1] [--seeds 1,2,3]
         [--shape cv|params] [--tmp DIR]
      imports the pool, runs `node bin/servegen.js generate` and `gen` for each rate and
      seed, and prints both sides' statistics (mean and range over seeds) side by side.

numpy and scipy only. Example (docs/profile-format.md):
  python3 scripts/upstream-reference.py parity /work/shared/data/servegen/multimodal/mm-image \
      --start 64800 --duration 3600 --rates constant:100,constant:20 --seeds 1,2,3
"""
import argparse
import ast
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
from scipy import stats

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------------------
# Pool loading (upstream's semantics)

def _pmf_list(text):
    """A dict-literal PMF as upstream turns it into a list: dense from 0 for int keys, else its values in order."""
    d = ast.literal_eval(text)  # literal only: never evaluated as code
    if not d:
        return None
    keys = list(d)
    if isinstance(keys[0], int):
        return [d.get(b, 0.0) for b in range(max(keys) + 1)]
    return list(d.values())


def load_pool(pool_dir):
    """{client_id: {"trace": {ts: (rate, family, shape, scale) | None}, "data": {ts: {field: pmf}}}}."""
    clients = {}
    for name in os.listdir(pool_dir):
        m = re.match(r"chunk-(\d+)-dataset\.json$", name)
        if not m:
            continue
        cid = int(m.group(1))
        with open(os.path.join(pool_dir, name)) as fh:
            raw = json.load(fh)
        data = {}
        for ts, fields in raw.items():
            window = {}
            for field, text in fields.items():
                pmf = _pmf_list(text)
                if pmf is None:
                    window = None
                    break
                window[field] = pmf
            if window is not None:
                data[int(ts)] = window
        trace = {}
        with open(os.path.join(pool_dir, f"chunk-{cid}-trace.csv")) as fh:
            for line in fh:
                if not line.strip():
                    continue
                ts, rate, _cv, fam, a, b = line.strip().split(",")
                trace[int(ts)] = None if fam == "" else (float(rate), fam, float(a), float(b))
        clients[cid] = {"trace": dict(sorted(trace.items())), "data": dict(sorted(data.items()))}
    return clients


def windows_in(client, start, end):
    """(relative start, width, trace entry, length window) of the client's windows overlapping [start, end)."""
    keys = list(client["trace"])
    data_keys = list(client["data"])
    out = []
    for i, ts in enumerate(keys):
        nxt = keys[i + 1] if i + 1 < len(keys) else math.inf
        if nxt <= start or ts >= end:
            continue
        a, b = max(ts, start), min(nxt, end)
        dw = None
        for dts in reversed(data_keys):
            if dts <= ts:
                dw = client["data"][dts]
                break
        out.append((a - start, b - a, client["trace"][ts], dw))
    return out


# ---------------------------------------------------------------------------------------
# Generation (upstream's semantics)

MEDIA = ("image", "audio", "video")


def generate(pool_dir, start, duration, rate_spec, seed):
    kind, value = rate_spec.split(":")
    value = float(value)
    rng = np.random.RandomState(seed)
    clients = load_pool(pool_dir)
    by_ts = {}
    for cid in sorted(clients):
        ws = windows_in(clients[cid], start, start + duration)
        if not any(w[2] is not None for w in ws):
            continue
        for w in ws:
            by_ts.setdefault(w[0], []).append((cid, w))
    rows = []
    missing_lengths = 0
    for ts in sorted(by_ts):
        group = by_ts[ts]
        total = sum(w[2][0] for _, w in group if w[2] is not None)
        if total == 0:
            continue
        target = value if kind == "constant" else value * total
        for cid, (rel, width, tr, dw) in group:
            if tr is None:
                continue
            r = target * tr[0] / total
            n = int(np.ceil(r * width))
            fam, shape, scale = tr[1], tr[2], tr[3]
            if fam == "Gamma":
                iats = stats.gamma.rvs(a=shape, loc=0, scale=scale, size=n, random_state=rng)
            elif fam == "Weibull":
                iats = stats.weibull_min.rvs(c=shape, loc=0, scale=scale, size=n, random_state=rng)
            else:
                raise ValueError(f"unknown family {fam}")
            if n == 0:
                continue
            if r > 0:
                iats *= width / sum(iats)
            t = np.cumsum(iats) + rel
            t = t[t < rel + width]
            if len(t) == 0:
                continue
            if dw is None:
                # upstream raises ValueError here; counted and skipped so the rest can be compared
                missing_lengths += len(t)
                continue
            rows.extend(sample_lengths(cid, t, dw, rng))
    rows.sort(key=lambda row: row["timestamp"])
    return rows, missing_lengths


def sample_lengths(cid, t, dw, rng):
    k = len(t)
    cdfs = {f: np.cumsum(p) for f, p in dw.items()}
    u = rng.random(k)
    vals = {}
    for f, cdf in cdfs.items():
        v = np.searchsorted(cdf, u)
        vals[f] = v.astype(float) / (len(cdf) - 1) if f == "reason_ratio" else v
    items = {}
    if "image_count" in dw:
        # One uniform per item, request by request: its images, then audio, then video.
        counts = np.stack([vals[f"{m}_count"] for m in MEDIA], axis=1)
        draws = rng.random(int(counts.sum()))
        per = {m: np.zeros(k, dtype=np.int64) for m in MEDIA}
        flat = counts.reshape(-1)
        starts = np.concatenate([[0], np.cumsum(flat)[:-1]])
        for j, m in enumerate(MEDIA):
            cdf = cdfs[f"{m}_tokens"]
            idx = starts.reshape(k, 3)[:, j]
            c = counts[:, j]
            tok = np.searchsorted(cdf, draws) if len(draws) else draws
            sums = np.zeros(k, dtype=np.int64)
            for i in np.nonzero(c)[0]:
                sums[i] = int(tok[idx[i]:idx[i] + c[i]].sum())
            per[m] = sums
        items = per
    out = []
    for i in range(k):
        row = {"timestamp": round(float(t[i]), 6), "client_id": str(cid)}
        if "input_tokens" in vals:
            row["input_tokens"] = int(vals["input_tokens"][i])
        elif "text_tokens" in vals:
            row["input_tokens"] = int(vals["text_tokens"][i])
        if "output_tokens" in vals:
            row["output_tokens"] = int(vals["output_tokens"][i])
        if "reason_ratio" in vals:
            ratio = float(vals["reason_ratio"][i])
            row["reason_ratio"] = ratio
            if "output_tokens" in vals:
                row["reasoning_tokens"] = int(round(row["output_tokens"] * ratio))
        if items:
            for m in MEDIA:
                row[f"{m}_count"] = int(vals[f"{m}_count"][i])
                row[f"{m}_tokens"] = int(items[m][i])
        out.append(row)
    return out


# ---------------------------------------------------------------------------------------
# Statistics compared

def read_trace(path):
    cols = {}
    n = 0
    with open(path) as fh:
        for line in fh:
            r = json.loads(line)
            if "servegen" in r:
                continue
            for k, v in r.items():
                if k not in cols:
                    cols[k] = [None] * n
                cols[k].append(v)
            n += 1
            for k in cols:
                if len(cols[k]) < n:
                    cols[k].append(None)
    return n, cols


def _num(col):
    return np.array([np.nan if v is None else v for v in col], dtype=float)


def dispersion(ts, width, duration):
    counts = np.bincount(np.minimum((ts // width).astype(int), int(duration // width) - 1), minlength=int(duration // width))
    m = counts.mean()
    return float(counts.var() / m) if m > 0 else float("nan")


def trace_stats(path, duration, window=600):
    n, cols = read_trace(path)
    ts = _num(cols["timestamp"])
    cid = np.array(cols["client_id"])
    out = {"requests": n, "rate": n / duration}
    ids, counts = np.unique(cid, return_counts=True)
    out["share"] = {str(i): float(c / n) for i, c in zip(ids, counts)}
    nw = int(math.ceil(duration / window))
    per_w = np.bincount(np.minimum((ts // window).astype(int), nw - 1), minlength=nw)
    out["window_rate"] = [float(c / window) for c in per_w]
    # Per client and window: gap CV (windows with >= 50 requests) and request counts.
    cvs, weights, wcounts = [], [], {}
    for i in ids:
        t = np.sort(ts[cid == i])
        w = np.minimum((t // window).astype(int), nw - 1)
        wcounts[str(i)] = np.bincount(w, minlength=nw).tolist()
        for k in range(nw):
            g = np.diff(t[w == k])
            if len(g) >= 50 and g.mean() > 0:
                cvs.append(g.std() / g.mean())
                weights.append(len(g))
    cvs, weights = np.array(cvs), np.array(weights)
    order = np.argsort(cvs)
    cw = np.cumsum(weights[order]) / weights.sum() if len(cvs) else []
    out["iat_cv_median_weighted"] = float(cvs[order][np.searchsorted(cw, 0.5)]) if len(cvs) else None
    out["client_window_counts"] = wcounts
    out["dispersion"] = {f"{s}s": dispersion(ts, s, duration) for s in (1, 10, 60)}
    lengths = {}
    for f in ("input_tokens", "output_tokens", "reasoning_tokens", "image_count", "image_tokens"):
        if f in cols:
            v = _num(cols[f])
            lengths[f] = v
    out["lengths"] = {f: {"mean": float(np.nanmean(v)), "missing": int(np.isnan(v).sum()),
                          "q": [float(x) for x in np.nanquantile(v, [0.1, 0.5, 0.9, 0.99])]}
                      for f, v in lengths.items()}
    def spearman(x, y):
        ok = ~np.isnan(x) & ~np.isnan(y)
        return float(stats.spearmanr(x[ok], y[ok]).statistic)

    if "input_tokens" in lengths and "output_tokens" in lengths:
        out["spearman_in_out"] = spearman(lengths["input_tokens"], lengths["output_tokens"])
        # Within clients (upstream's shared uniform makes each client's input and output
        # comonotonic; across clients the mixture dilutes it): request-weighted mean over
        # clients with at least 100 requests.
        a, b = lengths["input_tokens"], lengths["output_tokens"]
        rs, ws = [], []
        for i in ids:
            sel = (cid == i) & ~np.isnan(a) & ~np.isnan(b)
            if sel.sum() >= 100 and np.ptp(a[sel]) > 0 and np.ptp(b[sel]) > 0:
                rs.append(stats.spearmanr(a[sel], b[sel]).statistic)
                ws.append(sel.sum())
        out["spearman_in_out_within_clients"] = float(np.average(rs, weights=ws)) if rs else None
    if "image_count" in lengths and "input_tokens" in lengths:
        out["spearman_in_images"] = spearman(lengths["input_tokens"], lengths["image_count"])
    if "reasoning_tokens" in lengths and "output_tokens" in lengths:
        o, r = lengths["output_tokens"], lengths["reasoning_tokens"]
        ok = ~np.isnan(o) & ~np.isnan(r) & (o > 0)
        out["reason_ratio_mean"] = float(np.mean(r[ok] / o[ok]))
    out["_lengths"] = lengths
    return out


# ---------------------------------------------------------------------------------------
# Parity run

def _run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p


def _fmt(vals, nd=3):
    vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not vals:
        return "-"
    m = float(np.mean(vals))
    if len(vals) == 1:
        return f"{m:.{nd}g}"
    return f"{m:.{nd}g} [{min(vals):.{nd}g}, {max(vals):.{nd}g}]"


def parity(args):
    tmp = args.tmp
    os.makedirs(tmp, exist_ok=True)
    name = os.path.basename(os.path.normpath(args.pool))
    profile = os.path.join(tmp, f"{name}.json")
    cli = os.path.join(REPO, "bin", "servegen.js")
    _run(["node", cli, "import-servegen", args.pool, "--out", profile, "--quiet"])
    seeds = [int(s) for s in args.seeds.split(",")]
    report = {}
    for rate in args.rates.split(","):
        per = {"ours": [], "upstream": []}
        ks = {f: [] for f in ("input_tokens", "output_tokens", "reasoning_tokens", "image_count", "image_tokens")}
        for seed in seeds:
            ours = os.path.join(tmp, f"ours-{name}-{rate.replace(':', '')}-{seed}.jsonl")
            ref = os.path.join(tmp, f"ref-{name}-{rate.replace(':', '')}-{seed}.jsonl")
            _run(["node", cli, "generate", profile, "--start", str(args.start), "--duration", str(args.duration),
                  "--rate", rate, "--seed", str(seed), "--shape", args.shape, "--out", ours, "--quiet"])
            rows, missing = generate(args.pool, args.start, args.duration, rate, seed)
            if missing:
                print(f"note: {missing} upstream requests fell in windows without lengths (upstream raises there)", file=sys.stderr)
            with open(ref, "w") as fh:
                for row in rows:
                    fh.write(json.dumps(row) + "\n")
            so, su = trace_stats(ours, args.duration), trace_stats(ref, args.duration)
            per["ours"].append(so)
            per["upstream"].append(su)
            for f in ks:
                if f in so["_lengths"] and f in su["_lengths"]:
                    a, b = so["_lengths"][f], su["_lengths"][f]
                    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
                    if len(a) and len(b):
                        ks[f].append(float(stats.ks_2samp(a, b).statistic))
            if not args.keep:
                os.remove(ours)
                os.remove(ref)
        report[rate] = summarize(per, ks, seeds)
    print(json.dumps({"pool": args.pool, "start": args.start, "duration": args.duration, "shape": args.shape,
                      "seeds": seeds, "rates": report}, indent=1))


def summarize(per, ks, seeds):
    rows = {}
    for side, ss in per.items():
        r = {
            "requests": _fmt([s["requests"] for s in ss], 6),
            "rate": _fmt([s["rate"] for s in ss], 4),
            "window_rate": [_fmt([s["window_rate"][k] for s in ss], 4) for k in range(len(ss[0]["window_rate"]))],
            "iat_cv_median_weighted": _fmt([s["iat_cv_median_weighted"] for s in ss]),
            "dispersion": {k: _fmt([s["dispersion"][k] for s in ss]) for k in ss[0]["dispersion"]},
            "spearman_in_out": _fmt([s.get("spearman_in_out") for s in ss]),
            "spearman_in_out_within_clients": _fmt([s.get("spearman_in_out_within_clients") for s in ss]),
            "spearman_in_images": _fmt([s.get("spearman_in_images") for s in ss]),
            "reason_ratio_mean": _fmt([s.get("reason_ratio_mean") for s in ss], 4),
            "lengths": {f: {"mean": _fmt([s["lengths"][f]["mean"] for s in ss], 4),
                            "missing": _fmt([s["lengths"][f]["missing"] for s in ss], 6),
                            "q10/50/90/99": [_fmt([s["lengths"][f]["q"][j] for s in ss], 4) for j in range(4)]}
                        for f in ss[0]["lengths"]},
        }
        ids = sorted({i for s in ss for i in s["share"]}, key=lambda x: (len(x), x))
        r["share"] = {i: _fmt([s["share"].get(i, 0.0) for s in ss], 3) for i in ids}
        # Client-windows with no requests, and counts' spread between seeds (a fixed-count
        # generator repeats them).
        zero = []
        for s in ss:
            zero.append(sum(1 for c in s["client_window_counts"].values() for x in c if x == 0))
        r["client_windows_with_0_requests"] = _fmt(zero, 4)
        rows[side] = r
    rows["ks_ours_vs_upstream"] = {f: _fmt(v) for f, v in ks.items() if v}
    # Total-variation distance between the client shares (mean over seeds).
    tv = []
    for so, su in zip(per["ours"], per["upstream"]):
        ids = set(so["share"]) | set(su["share"])
        tv.append(0.5 * sum(abs(so["share"].get(i, 0) - su["share"].get(i, 0)) for i in ids))
    rows["share_total_variation"] = _fmt(tv)
    return rows


def shares(args):
    """Per-client request shares and counts of the reference, mean over seeds (a test fixture)."""
    seeds = [int(x) for x in args.seeds.split(",")]
    counts = []
    for seed in seeds:
        rows, missing = generate(args.pool, args.start, args.duration, args.rate, seed)
        if missing:
            sys.exit(f"{missing} requests fell in windows without lengths (upstream raises there)")
        c = {}
        for row in rows:
            c[row["client_id"]] = c.get(row["client_id"], 0) + 1
        counts.append(c)
    ids = sorted({i for c in counts for i in c}, key=lambda x: (len(x), x))
    total = [sum(c.values()) for c in counts]
    return {
        "pool": os.path.relpath(os.path.abspath(args.pool), REPO) if os.path.abspath(args.pool).startswith(REPO) else args.pool,
        "start": args.start, "duration": args.duration, "rate": args.rate, "seeds": seeds,
        "requests": [int(t) for t in total],
        "shares": {i: round(float(np.mean([c.get(i, 0) / t for c, t in zip(counts, total)])), 6) for i in ids},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("pool")
    g.add_argument("--start", type=int, default=0)
    g.add_argument("--duration", type=int, required=True)
    g.add_argument("--rate", required=True)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--out", required=True)
    s = sub.add_parser("stats")
    s.add_argument("trace")
    s.add_argument("--duration", type=float, required=True)
    p = sub.add_parser("parity")
    p.add_argument("pool")
    p.add_argument("--start", type=int, default=64800)
    p.add_argument("--duration", type=int, default=3600)
    p.add_argument("--rates", default="constant:100")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--shape", default="cv", choices=["cv", "params"])
    p.add_argument("--tmp", default="/tmp/servegen-parity")
    p.add_argument("--keep", action="store_true")
    h = sub.add_parser("shares")
    h.add_argument("pool")
    h.add_argument("--start", type=int, default=0)
    h.add_argument("--duration", type=int, required=True)
    h.add_argument("--rate", required=True)
    h.add_argument("--seeds", default="1,2,3")
    a = ap.parse_args()
    if a.cmd == "gen":
        rows, missing = generate(a.pool, a.start, a.duration, a.rate, a.seed)
        if missing:
            print(f"note: {missing} requests fell in windows without lengths (upstream raises there); left out", file=sys.stderr)
        with open(a.out, "w") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")
        print(f"{len(rows)} requests -> {a.out}", file=sys.stderr)
    elif a.cmd == "shares":
        print(json.dumps(shares(a)))
    elif a.cmd == "stats":
        st = trace_stats(a.trace, a.duration)
        st.pop("_lengths")
        print(json.dumps(st, indent=1))
    else:
        parity(a)


if __name__ == "__main__":
    main()

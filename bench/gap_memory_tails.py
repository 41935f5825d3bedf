"""Experiment (not in the tool): is Azure code's gap memory better described with upper-tail
dependence only?

The tool's gap memory (src/fit/gap-memory.ts) is a Gaussian copula: a latent AR(1) x moves a
gap's normal score up or down, so short gaps cluster as much as long ones. bench/gap_memory.py
`tails` finds the log's clustering in its long gaps (quiet stretches) and barely any among its
short gaps. Here a second model moves only the long side: y = c * max(x, 0) + noise, and the gap
is drawn at F_y(y), F_y the exact marginal CDF of y (so every gap keeps its window's
distribution). Both models are fitted to the log's normal-score lag correlations, measured as
the tool measures them (ranks within 600 s windows, on the log's own window sizes), by a grid
over their two parameters; each then redraws every window's own gaps in its order (5 seeds), and
the p99 of requests and tokens per 10 s, the index of dispersion at 10 s and 60 s, and the tail
co-occurrence at lag 1 are printed beside the log's.

Usage: node bin/servegen.js ingest AzureLLMInferenceTrace_code.csv --preset azure-llm-2023 --out code.jsonl
       python3 bench/gap_memory_tails.py code.jsonl      (from bench/, or with bench/ on PYTHONPATH)

Tenth session, Azure code (log: p99 15.30 req/s, 33 519 tokens/s; dispersion 10 s 73.3, 60 s
160.7; lag-1 same 10 % tail: short gaps 0.107, long 0.151):
  Gaussian (both tails), w 0.15, phi 0.985: p99 18.18 req/s, 39 085 tokens/s; dispersion 10 s
    71.9, 60 s 224.2; tails short 0.136, long 0.145.
  Upper tail only, c 0.60, phi 0.985: p99 15.70 req/s, 32 772 tokens/s; dispersion 10 s 65.9,
    60 s 216.0; tails short 0.119, long 0.179.
With each window's own gaps redrawn (this script), the Gaussian copula overshoots the peaks
(+19 % requests, +17 % tokens) and the upper-tail model lands within 3 %. Neither fixes the 60 s
dispersion (both ~1.35x the log's): that overshoot is not the tails' doing — more likely the
geometric decay at long lags. But the lag correlations match to lag 128 (log 0.133 / 0.116 /
0.058 / 0.009 at 1 / 16 / 64 / 128, the copula measured the same way 0.141 / 0.113 / 0.069 /
0.030); what differs, within noise, is the extreme tail: the log's top 1 % and 3 % of gaps do
not cluster at lag 1 (0.011 and 0.030, chance 0.010 / 0.030), the copula's do (0.027 / 0.052),
and adjacent extreme gaps make the empty minutes 60 s dispersion counts. (The tool's own roundtrip draws from fitted families per window,
not the window's own gaps; its errors with the Gaussian copula are in README, Gap memory:
p99 tokens −7 % to +8 % over 5 seeds, p99 requests within 0.06–0.14.)
"""
import json
import sys

import numpy as np
from scipy import stats

from gap_memory import load


def window_scores(v, sizes):
    """Normal scores of v's ranks within consecutive segments of the given sizes."""
    out = np.empty(len(v))
    at = 0
    for m in sizes:
        seg = v[at : at + m]
        out[at : at + m] = stats.norm.ppf(stats.rankdata(seg) / (m + 1))
        at += m
    return out


def lagcorr(z, lags):
    return np.array([np.corrcoef(z[k:], z[:-k])[0, 1] for k in lags])


def tail_pair(z, k=1, q=0.1):
    c = stats.norm.ppf(q)
    a, b = z[:-k], z[k:]
    return ((a < c) & (b < c)).mean() / q, ((a > -c) & (b > -c)).mean() / q


def upper_cdf_table(c):
    """y grid and F_y(y) for y = c*max(x, 0) + e, x and e standard normal."""
    ys = np.linspace(-9, 9 + 9 * c, 4001)
    xs = np.linspace(0, 9, 2001)
    wx = stats.norm.pdf(xs) * (xs[1] - xs[0])
    wx[0] /= 2
    wx[-1] /= 2
    F = 0.5 * stats.norm.cdf(ys) + (stats.norm.cdf(ys[:, None] - c * xs[None, :]) * wx[None, :]).sum(1)
    return ys, F


def latent(n, phi, rng):
    e = rng.normal(size=n) * np.sqrt(1 - phi * phi)
    x = np.empty(n)
    prev = rng.normal()
    for i in range(n):
        prev = phi * prev + e[i]
        x[i] = prev
    return x


def uniforms(model, p, phi, n, rng):
    x = latent(n, phi, rng)
    if model == "gauss":
        return stats.norm.cdf(np.sqrt(p) * x + np.sqrt(1 - p) * rng.normal(size=n))
    ys, F = upper_cdf_table(p)
    y = p * np.maximum(x, 0) + rng.normal(size=n)
    return np.clip(np.interp(y, ys, F), 1e-12, 1 - 1e-12)


def measures(ts, tok):
    out = []
    for width in (10, 60):
        b = np.floor(ts / width).astype(int)
        b -= b.min()
        n = np.bincount(b)
        out.append(n.var() / n.mean())
    b = np.floor(ts / 10).astype(int)
    b -= b.min()
    n = np.bincount(b)
    k = np.bincount(b, weights=tok)
    p = lambda v: np.sort(v)[int(0.99 * (len(v) - 1))] / 10
    return [p(n), p(k)] + out


def main(path):
    t, tok = load(path)
    g = np.diff(t)
    w = np.floor(t[1:] / 600).astype(int)
    keys, sizes = np.unique(w, return_counts=True)
    z = window_scores(g, sizes)
    lags = np.array([1, 2, 4, 8, 16, 32, 64])
    target = lagcorr(z, lags)
    lo, hi = tail_pair(z)
    src = measures(t, tok)
    print(f"log: lag correlations {np.round(target, 3)}; lag-1 same 10 % tail: short {lo:.3f}, long {hi:.3f}")
    print(f"log: p99 {src[0]:.2f} req/s, {src[1]:.0f} tokens/s; dispersion 10 s {src[2]:.1f}, 60 s {src[3]:.1f}")
    rng = np.random.default_rng(0)
    grids = {"gauss": np.linspace(0.05, 0.3, 11), "upper": np.linspace(0.2, 2.0, 10)}
    for model, grid in grids.items():
        best = None
        for p in grid:
            for phi in (0.975, 0.98, 0.985, 0.99, 0.993):
                u = uniforms(model, p, phi, len(g), rng)
                zz = window_scores(u, sizes)
                sse = ((lagcorr(zz, lags) - target) ** 2).sum()
                if best is None or sse < best[0]:
                    best = (sse, p, phi, tail_pair(zz))
        sse, p, phi, (tlo, thi) = best
        res = []
        for seed in range(5):
            r2 = np.random.default_rng(100 + seed)
            u = uniforms(model, p, phi, len(g), r2)
            out = []
            at = 0
            for m in sizes:
                gk = np.sort(g[at : at + m])
                out.extend(np.quantile(gk, u[at : at + m]))
                at += m
            ts = np.concatenate([[t[0]], t[0] + np.cumsum(out)])
            res.append(measures(ts, r2.permutation(tok)[: len(ts)]))
        m = np.mean(res, 0)
        name = "Gaussian (both tails)" if model == "gauss" else "upper tail only"
        print(f"{name}: parameter {p:.2f}, phi {phi}; fitted lag-1 tails short {tlo:.3f}, long {thi:.3f}; "
              f"p99 {m[0]:.2f} req/s, {m[1]:.0f} tokens/s; dispersion 10 s {m[2]:.1f}, 60 s {m[3]:.1f} (5 seeds)")


if __name__ == "__main__":
    main(sys.argv[1])

#!/usr/bin/env python3
"""scipy side of the per-window fitting benchmark (bench/fit.ts, issue 4).

Reads the windows bench/fit.ts wrote (JSON: {"windows": [{"gaps": [...], ...}, ...]}) and
times, per window, what an equivalent per-window family selection costs in scipy:

    scipy.stats.gamma.fit(x, floc=0)
    scipy.stats.weibull_min.fit(x, floc=0)
    scipy.stats.expon.fit(x, floc=0)
    + one scipy.stats.kstest per fitted family (three calls)

The gaps are converted to a float64 numpy array before the clock starts (our side likewise
starts from a prebuilt trace). Each window is timed `--repeat` times; its time is the median.

Usage: python3 bench/scipy_fit.py windows.json [--repeat 3]
Prints one JSON line to stdout: total seconds (sum of per-window medians), the median per
window, and per window its time and fitted Gamma / Weibull shapes.
"""
import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
import scipy
from scipy import stats


def fit_window(x):
    a, _, ga_scale = stats.gamma.fit(x, floc=0)
    c, _, wb_scale = stats.weibull_min.fit(x, floc=0)
    _, ex_scale = stats.expon.fit(x, floc=0)
    ks_g = stats.kstest(x, 'gamma', args=(a, 0, ga_scale)).statistic
    ks_w = stats.kstest(x, 'weibull_min', args=(c, 0, wb_scale)).statistic
    ks_e = stats.kstest(x, 'expon', args=(0, ex_scale)).statistic
    best = min((ks_e, 'exponential'), (ks_g, 'gamma'), (ks_w, 'weibull'))[1]
    return a, c, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('windows')
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    with open(args.windows) as f:
        windows = json.load(f)['windows']
    xs = [np.asarray(w['gaps'], dtype=np.float64) for w in windows]
    warnings.simplefilter('ignore')
    # Warm-up (imports, first-call caches) on the first window, untimed.
    if xs:
        fit_window(xs[0])
    seconds, gamma_shape, weibull_shape, best = [], [], [], []
    for x in xs:
        ts = []
        for _ in range(max(1, args.repeat)):
            t0 = time.perf_counter()
            a, c, b = fit_window(x)
            ts.append(time.perf_counter() - t0)
        seconds.append(statistics.median(ts))
        gamma_shape.append(float(a))
        weibull_shape.append(float(c))
        best.append(b)
    out = {
        'engine': f'scipy {scipy.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}',
        'windows': len(xs),
        'repeat': args.repeat,
        'total_seconds': sum(seconds),
        'median_seconds': statistics.median(seconds) if seconds else 0.0,
        'seconds': seconds,
        'gamma_shape': gamma_shape,
        'weibull_shape': weibull_shape,
        'best': best,
    }
    sys.stdout.write(json.dumps(out) + '\n')


if __name__ == '__main__':
    main()

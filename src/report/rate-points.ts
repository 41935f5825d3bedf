/**
 * The rate chart's points: each window's requests per second at its start, and a window
 * without requests between two with them at 0 (its first and last such window, so a pause is
 * drawn flat at 0; the line was drawn straight across it, as if the rate had only changed).
 * A window the side's span cuts is rated over the part it covers: Azure conv, ending 502 s into
 * its last window, was drawn falling to 3.4 req/s there where it ran at 4.1 (found by a visual
 * audit). A window cut to under a tenth of it (THIN_SHARE) is rated together with the window
 * next to it inside the span, over the seconds of both: alone it was rated over a tenth of a
 * window, so one request at an edge made no spike, but a busy thin edge was drawn as a dip — 2 h
 * of the mm-image pool at 5 req/s with 30 s more fell to 2.5 req/s at its end (session 39). A
 * span inside one thin window is rated over a tenth of it. The profile report (`fit --report`,
 * `inspect --report`) draws its windows so too (h-98).
 */
export function ratePoints(windows: ReadonlyMap<number, number>, W: number, span: { start: number; end: number }): [number, number][] {
  const out: [number, number][] = [];
  const cover = (t: number) => Math.max(0, Math.min(t + W, span.end) - Math.max(t, span.start));
  let prev = NaN;
  for (const [t, n] of [...windows.entries()].sort((a, b) => a[0] - b[0])) {
    if (t - prev > W * 1.5) {
      out.push([prev + W, 0]);
      if (t - prev > W * 2.5) out.push([t - W, 0]);
    }
    const c = cover(t);
    let rate = n / Math.max(W * THIN_SHARE, Math.min(W, c));
    if (c < W * THIN_SHARE) {
      // The neighbour inside the span: after a window the span's start cuts, before one its end
      // cuts (a window with no entry there held no request).
      const next = t < span.start ? t + W : t - W;
      const cn = cover(next);
      if (cn > 0) rate = (n + (windows.get(next) ?? 0)) / (c + cn);
    }
    out.push([t, rate]);
    prev = t;
  }
  return out;
}

/** Least share of a window inside the span for ratePoints to rate it on its own. */
export const THIN_SHARE = 0.1;

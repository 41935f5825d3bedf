/**
 * The rate chart's points: each window's requests per second at its start, and a window
 * without requests between two with them at 0 (its first and last such window, so a pause is
 * drawn flat at 0; the line was drawn straight across it, as if the rate had only changed).
 * A window the side's span cuts is rated over the part it covers (at least a tenth of it, so one
 * request at an edge makes no spike): Azure conv, ending 502 s into its last window, was drawn
 * falling to 3.4 req/s there where it ran at 4.1 (found by a visual audit). The profile report
 * (`fit --report`, `inspect --report`) draws its windows so too (h-98).
 */
export function ratePoints(windows: ReadonlyMap<number, number>, W: number, span: { start: number; end: number }): [number, number][] {
  const out: [number, number][] = [];
  let prev = NaN;
  for (const [t, n] of [...windows.entries()].sort((a, b) => a[0] - b[0])) {
    if (t - prev > W * 1.5) {
      out.push([prev + W, 0]);
      if (t - prev > W * 2.5) out.push([t - W, 0]);
    }
    const cover = Math.min(t + W, span.end) - Math.max(t, span.start);
    out.push([t, n / Math.max(W / 10, Math.min(W, cover))]);
    prev = t;
  }
  return out;
}

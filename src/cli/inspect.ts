import type { Command } from 'commander';
import { readProfile } from '../profile/read.js';
import { summarizeProfile, type ProfileSummary } from '../profile/summarize.js';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** Text rendering of a profile summary (what `inspect` prints). */
export function renderSummary(file: string, s: ProfileSummary): string {
  const lines: string[] = [];
  lines.push(`profile ${file}`);
  lines.push(`  span          ${s.span.start} … ${s.span.end} s (${s.span.hours.toFixed(1)} h)${s.span.origin ? `, origin ${s.span.origin}` : ', no absolute origin'}`);
  lines.push(`  windows       arrivals ${s.windows.arrival_seconds} s, lengths ${s.windows.length_seconds} s`);
  lines.push(`  clients       ${s.clients}${s.clientsWithoutLengths ? ` (${s.clientsWithoutLengths} without length data)` : ''}; ${s.concentration.p50} / ${s.concentration.p90} / ${s.concentration.p99} carry 50 / 90 / 99 % of requests`);
  lines.push(`  requests      ${s.requests} (mean ${fmt(s.meanRate)} req/s, peak window ${fmt(s.peakWindowRate)} req/s)`);
  lines.push(`  IAT CV        request-weighted median ${fmt(s.cv.requestWeightedMedian)}, mean ${fmt(s.cv.requestWeightedMean)}; ${pct(s.cv.shareAbove1)} of requests in windows with CV > 1`);
  lines.push(`  families      ${Object.entries(s.familyMix).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v)}`).join(', ')} (share of requests)`);
  lines.push('  lengths       (rate-weighted over clients and windows)');
  lines.push(`    ${'field'.padEnd(24)}${'mean'.padStart(10)}${'p50'.padStart(10)}${'p90'.padStart(10)}${'p99'.padStart(10)}`);
  const alwaysZero: string[] = [];
  for (const [name, f] of Object.entries(s.fields)) {
    if (!f) continue;
    if (f.mean === 0 && f.p99 === 0) {
      alwaysZero.push(name);
      continue;
    }
    lines.push(`    ${name.padEnd(24)}${fmt(f.mean).padStart(10)}${fmt(f.p50).padStart(10)}${fmt(f.p90).padStart(10)}${fmt(f.p99).padStart(10)}`);
    if (f.counts) {
      lines.push(`    ${''.padEnd(24)}P(0) ${pct(f.counts.p0)}, P(1) ${pct(f.counts.p1)}, P(2) ${pct(f.counts.p2)}, P(≥3) ${pct(f.counts.p3plus)}`);
    }
  }
  if (alwaysZero.length > 0) lines.push(`    always 0: ${alwaysZero.join(', ')}`);
  if (s.reasoningToAnswer !== undefined) lines.push(`  reasoning     reasoning tokens ≈ ${fmt(s.reasoningToAnswer)} × answer tokens (mean)`);
  return lines.join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Characterize a profile: clients, span, burstiness, family mix, length distributions')
    .argument('<profile.json>', 'profile to summarize')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nExample:\n  $ servegen inspect mm-image.json\n')
    .action((file: string, opts: { json?: boolean }) => {
      const { profile } = readProfile(file);
      const summary = summarizeProfile(profile);
      process.stdout.write(opts.json ? JSON.stringify(summary, null, 2) + '\n' : renderSummary(file, summary) + '\n');
    });
}

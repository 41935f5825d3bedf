import type { Command } from 'commander';
import { readProfile } from '../profile/read.js';
import { exportServegenPool, POOL_CLIENTS_FILE, servegenChunkNumbers } from '../profile/upstream.js';
import { join } from 'node:path';
import { Reporter } from './progress.js';
import { refuseFileAsDir } from './errors.js';

export function registerExportServegen(program: Command): void {
  program
    .command('export-servegen')
    .description('Write a profile in the upstream ServeGen pool layout (chunk-N-trace.csv, chunk-N-dataset.json)')
    .argument('<profile.json>', 'profile to export')
    .requiredOption('--out <dir>', 'directory to write the pool into (created if missing; one holding another pool is refused); client ids that are not chunk numbers are mapped in its servegen-clients.json, which import-servegen reads')
    .option('--quiet', 'no summary line on stderr')
    .addHelpText('after', '\nExample:\n  $ servegen export-servegen mm-image.json --out pools/multimodal/mm-image\n')
    .action((file: string, opts: { out: string; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      refuseFileAsDir(opts.out, 'the pool\'s chunk files');
      const { profile } = readProfile(file);
      const files = exportServegenPool(profile, opts.out, file);
      // What upstream's layout cannot hold is named, not dropped silently.
      const lost = [
        [profile.clients.filter((c) => c.sessions).length, 'session statistics (generate from the exported pool labels no sessions)'],
        [profile.clients.filter((c) => c.shifts?.length).length, 'rate change points'],
        [profile.clients.filter((c) => c.gap_memory).length, 'gap memory (upstream draws independent gaps)'],
        [profile.clients.filter((c) => c.empirical || c.arrivals.some((w) => w.empirical)).length, "empirical gap distributions (their own, or windows'; upstream draws every window from its fitted family)"],
        [profile.clients.filter((c) => c.levels).length, "rate levels (sparse clients: upstream draws them at their windows' own rates and shapes)"],
        [profile.clients.filter((c) => c.prefix).length, 'prefix-reuse sections (hash_ids: generate from the exported pool gives requests no block ids)'],
        [profile.clients.filter((c) => c.batches).length, "batch sizes (upstream draws one request per arrival, with the window shapes of these clients' gaps between batches: their batches come out spread over single arrivals)"],
      ] as const;
      for (const [n, what] of lost) if (n > 0) rep.info(`note: ${n} client(s) have ${what}; upstream's layout has no place for them, so they are not written`);
      // The calendar too (found by a new user's audit: a fitted log's origin vanished without a word).
      if (profile.span.origin !== null) rep.info(`note: the profile's origin (t = 0 at ${profile.span.origin}) is not written; upstream's layout has no place for it, so import-servegen reads the windows at the same seconds with no calendar (span.origin null: generated traces carry relative times)`);
      // Which client became which chunk (found by review: the export renumbered ids such as
      // "default" or "tenant-a" without a word, so nobody could tell chunk-0 from chunk-1).
      const nums = servegenChunkNumbers(profile);
      const renamed = profile.clients.map((c, i) => [c.id, nums[i]] as const).filter(([id, n]) => id !== String(n));
      if (renamed.length > 0) {
        const shown = renamed.slice(0, 5).map(([id, n]) => `${JSON.stringify(id)} → chunk-${n}`).join(', ');
        rep.info(`note: ${renamed.length} client id(s) are not chunk numbers, as upstream's layout needs: ${shown}${renamed.length > 5 ? ', …' : ''}; every client's chunk is in ${join(opts.out, POOL_CLIENTS_FILE)} (import-servegen reads the ids back from it)`);
      }
      rep.info(`exported ${profile.clients.length} client${profile.clients.length === 1 ? '' : 's'} as ${files} files → ${opts.out}`);
    });
}

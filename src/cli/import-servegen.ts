import type { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importServegenPool, POOL_CLIENTS_FILE } from '../profile/upstream.js';
import { refuseClobber } from './errors.js';
import { writeProfile } from '../profile/write.js';
import { anonymizeProfile } from '../profile/anonymize.js';
import { Reporter } from './progress.js';

export function registerImportServegen(program: Command): void {
  program
    .command('import-servegen')
    .description('Convert an upstream ServeGen client pool (data/<category>/<model>) into a profile')
    .argument('<pool-dir>', 'upstream pool directory with chunk-N-trace.csv and chunk-N-dataset.json files')
    .requiredOption('--out <profile.json>', 'profile file to write (a name ending in .gz: gzipped)')
    .option('--anonymize', 'a profile safe to share, as fit --anonymize makes: clients ranked c0001, … (no mapping kept), no pool path, category or model names, no source hash or creation time')
    .option('--quiet', 'no summary line on stderr')
    .addHelpText('after', '\nExamples:\n  $ servegen import-servegen ServeGen/data/multimodal/mm-image --out mm-image.json\n  $ servegen import-servegen exported-pool/ --anonymize --out shareable.json   # README, Sharing an anonymized profile\n')
    .action((dir: string, opts: { out: string; anonymize?: boolean; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      const t0 = performance.now();
      // The pool's files are inputs (found by review: --out pool/chunk-0-trace.csv replaced a
      // trace of the pool by the profile).
      let poolFiles: string[] = [];
      try {
        poolFiles = readdirSync(dir).filter((n) => /^chunk-\d+-(trace\.csv|dataset\.json)$/.test(n) || n === POOL_CLIENTS_FILE);
      } catch {
        // not a directory: importServegenPool says so
      }
      refuseClobber(poolFiles.map((n) => ['pool file', join(dir, n)] as const), [['--out', opts.out]], ['--out']);
      const imported = importServegenPool(dir);
      // The import records the pool's path as given (an absolute one names the user's home and
      // folders), its two last folder names and when it was made; a pool exported from one's
      // own logs (export-servegen) had no way to be shared without them (found by a receiver's
      // review, h-104). A pool's windows start on its grid at 0, as anonymizeProfile asks.
      const profile = opts.anonymize ? anonymizeProfile(imported.profile) : imported.profile;
      const clientsWithoutLengths = imported.clientsWithoutLengths;
      writeProfile(opts.out, profile);
      const windows = profile.clients.reduce((s, c) => s + c.arrivals.length, 0);
      const missing = clientsWithoutLengths.length
        ? `; ${clientsWithoutLengths.length} client(s) without a length file (arrivals only): ${clientsWithoutLengths.join(', ')}`
        : '';
      rep.info(
        `imported ${profile.clients.length} client${profile.clients.length === 1 ? '' : 's'}, ${windows} per-client arrival windows of ${profile.windows.arrival_seconds} s, ${((profile.span.end - profile.span.start) / 3600).toFixed(1)} h → ${opts.out} in ${((performance.now() - t0) / 1000).toFixed(2)} s${missing}`,
      );
    });
}

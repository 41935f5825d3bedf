import type { Command } from 'commander';
import { readProfile } from '../profile/read.js';
import { exportServegenPool } from '../profile/upstream.js';
import { Reporter } from './progress.js';

export function registerExportServegen(program: Command): void {
  program
    .command('export-servegen')
    .description('Write a profile in the upstream ServeGen pool layout (chunk-N-trace.csv, chunk-N-dataset.json)')
    .argument('<profile.json>', 'profile to export')
    .requiredOption('--out <dir>', 'directory to write the pool into (created if missing)')
    .option('--quiet', 'no summary line on stderr')
    .addHelpText('after', '\nExample:\n  $ servegen export-servegen mm-image.json --out pools/multimodal/mm-image\n')
    .action((file: string, opts: { out: string; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      const { profile } = readProfile(file);
      const files = exportServegenPool(profile, opts.out);
      rep.info(`exported ${profile.clients.length} clients as ${files} files → ${opts.out}`);
      // Found by review: they were dropped without a word, and generate from the pool imported
      // back has no session_id (validate then leaves the session metrics unjudged).
      const withSessions = profile.clients.filter((c) => c.sessions).length;
      if (withSessions > 0) rep.info(`note: the session statistics of ${withSessions} client(s) are not exported (upstream pools have no sessions; a profile imported back generates no session_id)`);
    });
}

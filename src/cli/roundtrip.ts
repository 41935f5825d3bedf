import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fitTrace } from '../fit/fit-trace.js';
import { writeProfile } from '../profile/write.js';
import { defaultCreated } from '../profile/upstream.js';
import { readProfile } from '../profile/read.js';
import { generateToFile } from '../generate/write-trace.js';
import { loadThresholds } from '../validate/thresholds.js';
import { validateTraces } from '../validate/validate.js';
import { ingestFiles } from '../ingest/ingest.js';
import { loadPreset } from '../ingest/presets.js';
import { checkSeed, EXIT_CHECK_FAILED, EXIT_OK } from './errors.js';
import { addIngestOptions, reportIngest, mappingFrom, parseFormat, runIngest, type IngestCliOptions } from './ingest-options.js';
import { Reporter } from './progress.js';
import { verdictLines, writeReports } from './validate.js';
import { hashFile } from '../io/whole-file.js';

interface Opts extends IngestCliOptions {
  out: string;
  seed: string;
  thresholds?: string;
  quiet?: boolean;
}

export function registerRoundtrip(program: Command, setExit: (code: number) => void): void {
  const cmd = program
    .command('roundtrip')
    .description('fit → generate (same span, scale:1) → validate, with the naive baseline beside; for batch jobs')
    .argument('<inputs...>', 'source trace(s), or raw logs with --preset/--map');
  addIngestOptions(cmd)
    .requiredOption('--out <dir>', 'directory for profile.json, generated.jsonl, naive.jsonl, fidelity.json, fidelity.html')
    .option('--seed <n>', 'generation seed', '1')
    .option('--thresholds <t.json>', 'override default thresholds')
    .option('--quiet', 'no progress or summary on stderr')
    .addHelpText('after', '\nExample:\n  $ servegen roundtrip AzureLLMInferenceTrace_conv.csv --preset azure-llm-2023 --out out/conv\n')
    .action(async (inputs: string[], opts: Opts) => {
      const rep = new Reporter(Boolean(opts.quiet));
      checkSeed(opts.seed);
      const thresholds = loadThresholds(opts.thresholds);
      const source = await runIngest(inputs, mappingFrom(opts, 'servegen'), parseFormat(opts.format), rep, opts);
      reportIngest(rep, source);
      // Only now: a failed ingest (e.g. the reject ratio) leaves no empty directory behind.
      mkdirSync(opts.out, { recursive: true });
      const hash = createHash('sha256');
      for (const f of source.summary.files) hashFile(hash, f);
      const { profile } = fitTrace(source.trace, {
        arrivalSeconds: 600,
        lengthSeconds: 21600,
        minArrivals: 10,
        minClientRequests: 0,
        sourceSha256: hash.digest('hex'),
        created: defaultCreated(),
      });
      const profilePath = join(opts.out, 'profile.json');
      writeProfile(profilePath, profile);
      const { profile: loaded, sha256 } = readProfile(profilePath);
      const gen = { start: loaded.span.start, duration: loaded.span.end - loaded.span.start, rate: { kind: 'scale' as const, factor: 1 }, seed: opts.seed };
      const generatedPath = join(opts.out, 'generated.jsonl');
      const naivePath = join(opts.out, 'naive.jsonl');
      const g = await generateToFile(loaded, sha256, gen, { path: generatedPath, format: 'jsonl' });
      const nv = await generateToFile(loaded, sha256, gen, { path: naivePath, format: 'jsonl' }, undefined, true);
      rep.info(`fitted ${profile.clients.length} client(s); generated ${g.requests} requests (naive baseline ${nv.requests}) → ${opts.out}`);
      const servegen = loadPreset('servegen');
      const generated = await ingestFiles({ inputs: [generatedPath], mapping: servegen });
      const baseline = await ingestFiles({ inputs: [naivePath], mapping: servegen });
      const result = validateTraces(source, generated, thresholds, { baseline });
      writeReports(result, join(opts.out, 'fidelity.json'), join(opts.out, 'fidelity.html'));
      for (const l of verdictLines(result.report)) rep.info(l);
      setExit(result.report.pass ? EXIT_OK : EXIT_CHECK_FAILED);
    });
}

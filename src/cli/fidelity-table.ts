import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { expandInputs } from '../io/input.js';
import type { Command } from 'commander';
import { isStandardOutput, writeFileAtomic } from '../io/atomic.js';
import { FIDELITY_VERSION, type FidelityReport } from '../validate/validate.js';
import { EXIT_CHECK_FAILED, EXIT_OK, refuseClobber, UsageError } from './errors.js';
import { markdownCell, Reporter } from './progress.js';
import { readErrorReason } from '../io/read-error.js';
import { binaryProbe } from '../io/binary-probe.js';
import { parseJsonText } from '../io/json-text.js';

/** One summary table over several fidelity reports (batch jobs). */
export function registerFidelityTable(program: Command, setExit: (code: number) => void): void {
  program
    .command('fidelity-table')
    .description('Summarize several fidelity.json reports into one table (markdown + JSON); exit 1 if any failed')
    .argument('<reports...>', 'fidelity.json files (from validate --json or roundtrip)')
    .option('--md <table.md>', 'write the markdown table')
    .option('--json <table.json>', 'write the JSON summary')
    .option('--quiet', 'do not print the table')
    .addHelpText('after', '\nExample:\n  $ servegen fidelity-table out/*/fidelity.json --md fidelity.md --json fidelity-summary.json\n')
    .action((given: string[], opts: { md?: string; json?: string; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      // A quoted pattern ('out/*/fidelity.json', or any pattern in a pipeline spec, which no shell
      // expands) was taken as a file name: "not a readable fidelity report (no such file)", where
      // every other command expands it (found by a batch-job audit). Relative patterns give
      // relative names, as a shell's do.
      const files = given.flatMap((f) => (/[*?]/.test(f) ? expandInputs([f]).map((p) => (isAbsolute(f) ? p : relative(process.cwd(), p))) : [f]));
      refuseClobber(files.map((f) => ['report', f] as const), [['--md', opts.md], ['--json', opts.json]]);
      // One report named twice (`ok.json ./ok.json`, or a glob and a name) was two rows (found by review).
      const seen = new Map<string, string>();
      const unique = files.filter((f) => {
        let key: string;
        try {
          key = realpathSync(f);
        } catch {
          key = resolve(f); // unreadable: refused below by name
        }
        const first = seen.get(key);
        if (first !== undefined) {
          rep.info(`note: ${f} is the report ${first} again; listed once`);
          return false;
        }
        seen.set(key, f);
        return true;
      });
      const rows = unique.map((f) => {
        let r: FidelityReport;
        let bytes: Buffer;
        try {
          bytes = readFileSync(f);
        } catch (err) {
          throw new UsageError(`${f}: not a readable fidelity report (${readErrorReason(err)})`);
        }
        // Invalid JSON said only "at position 58", and gzip or other binary data printed its
        // bytes (found by review): name the line and column, or what the bytes are.
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) throw new UsageError(`${f}: gzip-compressed data, not a fidelity report (gunzip it first)`);
        const probe = bytes.subarray(0, 65536);
        const binary = binaryProbe(probe);
        if (binary) throw new UsageError(`${f}: looks binary (${binary.nuls} NUL and ${binary.controls - binary.nuls} other control bytes in its first ${probe.length} bytes), not a fidelity report`);
        try {
          r = parseJsonText(bytes.toString('utf8').replace(/^\uFEFF/, ''), f) as FidelityReport;
        } catch (err) {
          throw new UsageError(`${(err as Error).message}: not a fidelity report`);
        }
        if (r === null || typeof r !== 'object' || r.format !== 'servegen-fidelity') throw new UsageError(`${f}: not a fidelity report (format ${JSON.stringify((r as { format?: unknown } | null)?.format)})`);
        // A report missing its parts was an internal error (exit 3: "Cannot convert undefined
        // or null to object") — found by review. Name the part instead.
        // A newer tool's report was tabled as if this tool could read it (found by a new user's
        // audit), where a newer profile or trace is refused: its parts may mean other things.
        const version = (r as { version?: unknown }).version;
        if (typeof version === 'number' && version > FIDELITY_VERSION) throw new UsageError(`${f}: fidelity report version ${version} is newer than this tool supports (${FIDELITY_VERSION}); upgrade servegen-ts`);
        const bad = (path: string) => new UsageError(`${f}: ${path}: missing or malformed in this fidelity report`);
        if (typeof r.pass !== 'boolean') throw bad('pass');
        if (r.metrics === null || typeof r.metrics !== 'object' || Array.isArray(r.metrics)) throw bad('metrics');
        // A metric that is not an object ({"iat_ks": null}) was an internal error too (exit 3:
        // "Cannot read properties of null (reading 'value')") — found by review.
        for (const [k, m] of Object.entries(r.metrics)) {
          const v = (m as { value?: unknown } | null)?.value;
          if (m === null || typeof m !== 'object' || Array.isArray(m) || !(v === null || typeof v === 'number')) throw bad(`metrics.${k}`);
        }
        if (!Array.isArray(r.failed) || !r.failed.every((x) => typeof x === 'string')) throw bad('failed');
        if (typeof r.source?.requests !== 'number') throw bad('source.requests');
        const judged = Object.values(r.metrics).filter((m) => m.value !== null).length;
        // (resolved: a fidelity.json in the working directory was the trace ".", found by review)
        const name = basename(f) === 'fidelity.json' ? basename(dirname(resolve(f))) : basename(f, '.json');
        const tool = typeof r.tool === 'string' ? r.tool : 'unknown';
        return { name, file: f, tool, pass: r.pass, requests: r.source.requests, judged, failed: r.failed };
      });
      // Two reports named alike (a/conv/fidelity.json, b/conv/fidelity.json) were two rows "conv":
      // such names get their whole path (found by review).
      const count = new Map<string, number>();
      for (const r of rows) count.set(r.name, (count.get(r.name) ?? 0) + 1);
      for (const r of rows) if (count.get(r.name)! > 1) r.name = basename(r.file) === 'fidelity.json' ? dirname(r.file) : r.file.replace(/\.json$/, '');
      // Reports of several tool versions (an older run's beside this one's) were tabled as alike,
      // though metrics and thresholds change between versions (found by a new user's audit).
      const tools = [...new Set(rows.map((r) => r.tool))];
      if (tools.length > 1) rep.info(`note: the reports were written by ${tools.length} tool versions (${tools.map((t) => `${t}: ${rows.filter((r) => r.tool === t).map((r) => r.name).join(', ')}`).join('; ')}): their metrics and thresholds may differ; validate again with one version to compare them`);
      const cell = markdownCell;
      const md = [
        '| trace | requests | verdict | metrics passed | failed metrics |',
        '|---|---|---|---|---|',
        ...rows.map((r) => `| ${cell(r.name)} | ${r.requests} | ${r.pass ? 'pass' : 'FAIL'} | ${r.judged - r.failed.length}/${r.judged} | ${cell(r.failed.join(', ')) || '—'} |`),
      ].join('\n');
      const failed = rows.filter((r) => !r.pass).length;
      // The verdict before the outputs: one on standard output whose reader stops early (EPIPE)
      // ends the run with it (found by a batch-job audit: a failed table exited 0).
      setExit(failed ? EXIT_CHECK_FAILED : EXIT_OK);
      if (opts.md) writeFileAtomic(opts.md, md + '\n');
      if (opts.json) writeFileAtomic(opts.json, JSON.stringify({ pass: rows.every((r) => r.pass), traces: rows }, null, 2) + '\n');
      // `--json /dev/stdout | jq` got the JSON and then the markdown table: jq stopped at the
      // table, "parse error" (found by a batch-job audit). An output on standard output is it.
      if (!opts.quiet && !(opts.md && isStandardOutput(opts.md)) && !(opts.json && isStandardOutput(opts.json))) process.stdout.write(md + '\n');
      // A failed table's count is said with --quiet too: it exited 1 with nothing on stderr (found by a new user's review).
      if (opts.quiet && failed > 0) process.stderr.write(`${rows.length - failed}/${rows.length} traces pass (failed: ${rows.filter((r) => !r.pass).map((r) => r.name).join(', ')})\n`);
      else rep.info(`${rows.length - failed}/${rows.length} traces pass`);
    });
}

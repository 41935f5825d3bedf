import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expandInputs } from '../io/input.js';
import type { Command } from 'commander';
import { z } from 'zod';
import { outputError, writeFileAtomic } from '../io/atomic.js';
import { lockFile } from './out-lock.js';
import { didYouMean, duplicateKeyProblem, editDistance, formatJsonPath, parseJsonText, plainIssue } from '../io/json-text.js';
import { toolName } from '../version.js';
import { EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK, UsageError } from './errors.js';
import { quietStages, Reporter } from './progress.js';
import { readErrorReason } from '../io/read-error.js';
import { hashFile } from '../io/whole-file.js';
import { fileKind, fileKindName } from '../io/file-kind.js';
import { rateFlagHint } from './generate.js';

/** Pipeline spec (documented in docs/pipelines.md). Paths are relative to the spec file. */
export const PipelineSchema = z
  .object({
    // The run state is .servegen-run/<name>.json next to the spec: a name with a path in it
    // wrote it elsewhere ("../../x" → two folders up) — found by review.
    name: z
      .string()
      .min(1)
      .refine((n) => !/[/\\]/.test(n) && n !== '.' && n !== '..', 'a pipeline name is a file name (no / or \\, not . or ..): it names the run state .servegen-run/<name>.json'),
    description: z.string().optional(),
    stages: z
      .array(
        z
          .object({
            name: z.string().min(1),
            run: z.array(z.string()).min(1).describe('servegen command and arguments, e.g. ["fit", "trace.parquet", "--out", "profile.json"]'),
            inputs: z.array(z.string()).default([]),
            outputs: z.array(z.string()).min(1),
            /** Exit code 1 (a failed check) does not stop the pipeline (default: stop); bad input (2) and internal errors (3) always stop it. */
            allow_failure: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type Pipeline = z.infer<typeof PipelineSchema>;

/** Reads and validates a pipeline spec; errors name the file and JSON path. */
export function readPipeline(file: string): Pipeline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read pipeline (${readErrorReason(err)})`);
  }
  // A profile, trace or report given to run said `top level: missing "name"` or "invalid JSON"
  // (found by review): name what the file is instead, as --map and --thresholds do.
  const kind = fileKind(file);
  if (kind !== 'other') {
    const what = fileKindName(kind);
    throw new UsageError(`${file}: ${what}, not a pipeline spec (a pipeline is {"name": …, "stages": [{"name": …, "run": ["fit", …], "inputs": […], "outputs": […]}]}; see pipelines/ and docs/pipelines.md)`);
  }
  let value: unknown;
  try {
    value = parseJsonText(text, file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const dup = duplicateKeyProblem(text, file);
  if (dup) throw new UsageError(dup);
  const r = PipelineSchema.safeParse(value);
  if (!r.success) {
    // zod said "stages[0].name: Invalid input: expected string, received undefined" for a stage
    // without a name (left open by review): name the stage by its number and the missing key.
    const stageKeys = Object.keys(PipelineSchema.shape.stages.element.shape);
    const known = (path: readonly PropertyKey[]) => (path.length === 0 ? Object.keys(PipelineSchema.shape) : path.length === 2 && path[0] === 'stages' ? stageKeys : undefined);
    const label = (path: readonly PropertyKey[]) => (path.length === 2 && path[0] === 'stages' && typeof path[1] === 'number' ? `stages[${path[1]}] (stage ${path[1] + 1})` : formatJsonPath(path));
    // A misspelt required key ("stage", "rum") said only `missing "stages"`, where a misspelt
    // optional one gets "did you mean" (found by a new user's audit): an unknown key is named first.
    const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
    const text = plainIssue(issue, value, known, label);
    const hint = text.endsWith('missing "name"') ? (text.startsWith('top level') ? ' (the pipeline\'s name names its run state .servegen-run/<name>.json)' : ' (every stage needs a name: the run state records each stage by it)') : '';
    throw new UsageError(`${file}: ${text}${hint}`);
  }
  const names = new Set<string>();
  for (const s of r.data.stages) {
    if (names.has(s.name)) throw new UsageError(`${file}: stage name ${JSON.stringify(s.name)} is used twice`);
    names.add(s.name);
    if (s.run[0] === 'run') throw new UsageError(`${file}: stage ${s.name}: a pipeline cannot run pipelines`);
  }
  return r.data;
}

/**
 * The first stage whose run names no servegen command, as an error naming the stage (undefined
 * when every stage's does). A typo in a later stage ran the earlier ones first, then said
 * "error: unknown command 'fitt'"; a stage copied from the README as ["servegen", "fit", …] failed
 * the same way (found by a new user's walkthrough): the spec is validated before any stage runs.
 */
export function unknownStageCommand(file: string, pipeline: Pipeline, commands: readonly string[]): string | undefined {
  for (const s of pipeline.stages) {
    const word = s.run[0];
    if (commands.includes(word)) continue;
    const prefix = word === 'npx' ? 'npx servegen' : word === 'servegen' ? 'servegen' : undefined;
    if (prefix) return `${file}: stage ${s.name}: "${word}" is not a servegen command: a stage's run starts with the command, without "${prefix}" (["${s.run.find((w) => commands.includes(w)) ?? 'fit'}", …])`;
    const near = commands.map((c) => ({ c, d: editDistance(word.toLowerCase(), c) })).filter((x) => x.d <= Math.max(1, Math.floor(x.c.length / 3))).sort((x, y) => x.d - y.d)[0];
    return `${file}: stage ${s.name}: ${JSON.stringify(word)} is not a servegen command${near ? ` (did you mean ${near.c}?)` : ''}; the commands are ${commands.join(', ')}`;
  }
  return undefined;
}

/**
 * The first stage whose run gives an option its command does not take, as an error naming the
 * stage (undefined when none does). A typo'd option (`--seeed`) in a later stage ran the earlier
 * stages first and then stopped on commander's "unknown option" (found by a new user's audit):
 * like a typo'd command, it is refused before any stage runs. Tokens after `--` are operands.
 */
export function unknownStageOption(file: string, pipeline: Pipeline, program: Command): string | undefined {
  for (const s of pipeline.stages) {
    const cmd = program.commands.find((c) => c.name() === s.run[0]);
    if (!cmd) continue;
    const known = ['--help', ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined))];
    const end = s.run.indexOf('--');
    for (const word of s.run.slice(1, end < 0 ? undefined : end)) {
      if (!word.startsWith('--')) continue;
      const flag = word.split('=')[0];
      if (known.includes(flag)) continue;
      const rate = s.run[0] === 'generate' ? rateFlagHint(word, s.run[s.run.indexOf(word) + 1]) : undefined;
      return `${file}: stage ${s.name}: ${s.run[0]} has no option ${flag}${rate ? `: ${rate}` : didYouMean([flag], known)} (servegen ${s.run[0]} --help lists them)`;
    }
  }
  return undefined;
}

/** Content hash of an input: a file's bytes, or a directory's files (names and contents, recursively, in name order). */
function fileHash(path: string): string {
  if (!existsSync(path)) return 'missing';
  if (!statSync(path).isDirectory()) return hashFile(createHash('sha256'), path).digest('hex');
  const h = createHash('sha256').update('dir');
  for (const name of readdirSync(path).sort()) h.update('\0').update(name).update('\0').update(fileHash(join(path, name)));
  return h.digest('hex');
}

/**
 * Hash of what a stage depends on: the tool, its command line and its inputs' contents. Paths
 * resolve against the spec's folder as the stage's command does (an absolute input was joined
 * onto it and reported missing — found by review).
 */
function stageKey(stage: Pipeline['stages'][number], base: string): string {
  const h = createHash('sha256').update(toolName()).update('\0').update(JSON.stringify(stage.run));
  for (const i of stage.inputs) {
    h.update('\0').update(i).update('\0');
    if (!isPattern(i)) {
      h.update(fileHash(resolve(base, i)));
      continue;
    }
    // A pattern: every file it matches, by name and content (a new day's log reruns the stage).
    const matched = patternMatches(i, base);
    if (matched === undefined) h.update('missing');
    for (const f of matched ?? []) h.update(relative(base, f)).update('\0').update(fileHash(f)).update('\0');
  }
  return h.digest('hex');
}

/**
 * What the run state records for a stage that succeeded: its key and its outputs' contents. With
 * the key alone, an output another pipeline (or a hand) rewrote since kept the stage "unchanged,
 * skipped": two pipelines writing out/trace.parquet each skipped their ingest and fitted the
 * other's trace (found by a new user's audit).
 */
function doneRecord(stage: Pipeline['stages'][number], base: string, key: string): string {
  const h = createHash('sha256');
  for (const o of stage.outputs) h.update(o).update('\0').update(fileHash(resolve(base, o))).update('\0');
  return `${key} ${h.digest('hex')}`;
}

function isPattern(input: string): boolean {
  return /[*?]/.test(input);
}

/**
 * The files (and directories) a pattern input matches, sorted; undefined when none. `inputs:
 * ["logs/*.csv"]` beside `run: ["fit", "logs/*.csv", …]` said "missing input logs/*.csv" with
 * the logs there: inputs were taken as file names only (found by a batch-job audit).
 */
function patternMatches(input: string, base: string): string[] | undefined {
  try {
    return expandInputs([resolve(base, input)], { directories: true });
  } catch {
    return undefined;
  }
}

/**
 * The recorded stage keys. The state is a cache of what is up to date: one that cannot be read
 * (corrupt, truncated, not our shape) is reported with its file and treated as empty, so every
 * stage reruns (stages are deterministic and write atomically; only time is lost) and the file
 * is rewritten after the first stage; failing instead would leave the user to delete it by hand.
 */
export function readRunState(stateFile: string, rep: Reporter): Record<string, string> {
  if (!existsSync(stateFile)) return {};
  let problem: string;
  try {
    const value = parseJsonText(readFileSync(stateFile, 'utf8'), stateFile);
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) return value as Record<string, string>;
    problem = `${stateFile}: not an object of stage keys`;
  } catch (err) {
    problem = (err as Error).message;
  }
  rep.info(`note: run state unreadable (${problem}); ignoring it, every stage reruns`);
  return {};
}

/** An argument as a POSIX shell reads it back: quoted unless it is plain. */
export function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `commands`: the names a stage's run may start with (main's command tree), checked before any stage runs. */
export function registerRun(program: Command, runCommand: (argv: string[]) => Promise<number>, setExit: (code: number) => void, commands?: () => string[]): void {
  program
    .command('run')
    .description('Run a pipeline spec (ingest → fit → generate → validate); unchanged stages are skipped')
    .argument('<pipeline.json>', 'pipeline spec (see pipelines/ and docs/pipelines.md)')
    .option('--force', 'rerun every stage')
    .option('--quiet', 'no progress on stderr')
    .addHelpText('after', '\nExample:\n  $ servegen run pipelines/azure-conv.json\n')
    .action(async (file: string, opts: { force?: boolean; quiet?: boolean }) => {
      const rep = new Reporter(Boolean(opts.quiet));
      const pipeline = readPipeline(file);
      const unknown = commands && unknownStageCommand(file, pipeline, commands().filter((c) => c !== 'run'));
      if (unknown) throw new UsageError(unknown);
      const unknownOption = commands && unknownStageOption(file, pipeline, program);
      if (unknownOption) throw new UsageError(unknownOption);
      const base = dirname(resolve(file));
      const stateFile = join(base, '.servegen-run', `${pipeline.name}.json`);
      // Two runs of one pipeline at once (two cron jobs, `make -j`) wrote the run state over each
      // other and each rewrote the other's outputs mid-read: the second is refused, naming the first.
      const lockPath = join(base, '.servegen-run', `${pipeline.name}.lock`);
      try {
        mkdirSync(dirname(stateFile), { recursive: true });
      } catch (err) {
        throw outputError(lockPath, err);
      }
      const release = lockFile(lockPath, `run ${file}`, (l) => rep.info(l), (who) => `${file}: pipeline ${pipeline.name} is being run by ${who}; wait for it to finish (two runs of one pipeline rewrite each other's outputs and run state). If no such run is alive, remove ${lockPath}`);
      const state = readRunState(stateFile, rep);
      const cwd = process.cwd();
      let worst = EXIT_OK;
      let ran = 0;
      try {
        process.chdir(base);
        for (const stage of pipeline.stages) {
          const key = stageKey(stage, base);
          const fresh = !opts.force && stage.outputs.every((o) => existsSync(resolve(base, o))) && state[stage.name] === doneRecord(stage, base, key);
          if (fresh) {
            rep.info(`[${pipeline.name}] ${stage.name}: unchanged, skipped`);
            continue;
          }
          // Say why a stage whose inputs did not change reruns: another pipeline (or a hand) rewrote its output.
          if (!opts.force && state[stage.name]?.startsWith(`${key} `)) rep.info(`[${pipeline.name}] ${stage.name}: an output changed or was removed since this stage wrote it (another pipeline writing into the same folder?); rerunning`);
          const missing = stage.inputs.filter((i) => (isPattern(i) ? patternMatches(i, base) === undefined : !existsSync(resolve(base, i))));
          // Named by the spec's path too (found by the bad-input audit: an input misspelt in the
          // spec was reported by the stage's name alone).
          const where = `${file}: stages[${pipeline.stages.indexOf(stage)}].inputs[${stage.inputs.indexOf(missing[0])}]`;
          if (missing.length) throw new UsageError(`${where}: [${pipeline.name}] stage ${stage.name}: missing input ${missing.map((i) => (isPattern(i) ? `${i} (the pattern matches no files)` : i)).join(', ')}`);
          // The command line before the stage runs: a long stage (or one interrupted) is named,
          // and a log of the run says what each stage ran (it said so only when a stage ended).
          rep.info(`[${pipeline.name}] ${stage.name}: servegen ${stage.run.map(shellWord).join(' ')}`);
          const t0 = performance.now();
          quietStages(Boolean(opts.quiet));
          let code: number;
          try {
            code = await runCommand(['node', 'servegen', ...stage.run]);
          } finally {
            quietStages(false);
          }
          const seconds = ((performance.now() - t0) / 1000).toFixed(2);
          ran++;
          if (code === EXIT_OK) {
            // A declared output the stage did not write makes it rerun on every run: say so (found by review).
            const unwritten = stage.outputs.filter((o) => !existsSync(resolve(base, o)));
            if (unwritten.length) rep.info(`[${pipeline.name}] note: stage ${stage.name} did not write its declared output(s) ${unwritten.join(', ')}; it reruns on every run until it does`);
            state[stage.name] = doneRecord(stage, base, key);
            writeFileAtomic(stateFile, JSON.stringify(state, null, 2) + '\n');
            rep.info(`[${pipeline.name}] ${stage.name}: done in ${seconds} s`);
            continue;
          }
          delete state[stage.name];
          writeFileAtomic(stateFile, JSON.stringify(state, null, 2) + '\n');
          // An allowed failure said "earlier outputs are kept", as if the pipeline stopped there (found by review).
          const goOn = code === EXIT_CHECK_FAILED && stage.allow_failure;
          rep.info(`[${pipeline.name}] stage ${stage.name} failed (exit ${code}) after ${seconds} s; ${goOn ? 'allow_failure: going on' : 'the pipeline stops here, earlier outputs are kept'}`);
          worst = Math.max(worst, code);
          if (!goOn) break;
        }
      } finally {
        process.chdir(cwd);
        release();
      }
      rep.info(`[${pipeline.name}] ${worst === EXIT_OK ? 'ok' : 'failed'}: ${ran} stage(s) run, ${pipeline.stages.length - ran} skipped or not reached`);
      setExit(worst === EXIT_BAD_INPUT ? EXIT_BAD_INPUT : worst);
    });
}

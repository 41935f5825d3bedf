import { Command, CommanderError } from 'commander';
import { toolVersion } from '../version.js';
import { availableParallelism } from 'node:os';
import { describeError, EXIT_OK, UsageError } from './errors.js';
import { stopProgress } from './progress.js';
import { setThreads } from '../util/worker.js';
import { registerExportServegen } from './export-servegen.js';
import { registerGenerate } from './generate.js';
import { registerImportServegen } from './import-servegen.js';
import { registerInspect } from './inspect.js';
import { registerIngest } from './ingest.js';
import { registerFit } from './fit.js';
import { registerValidate } from './validate.js';
import { registerRoundtrip } from './roundtrip.js';
import { registerRun } from './run.js';
import { registerFidelityTable } from './fidelity-table.js';
import { registerSummarize } from './summarize.js';
import { registerSql } from './sql.js';
import { registerCapacity } from './capacity.js';

export { removeTemporariesOnSignals } from '../io/atomic.js';
export { heapContext, relaunch, relaunchFlags } from './heap.js';

let exitCode = 0;

/** Commands that start worker threads or DuckDB, and so take --threads. */
const THREADED = new Set(['ingest', 'summarize', 'fit', 'validate', 'roundtrip', 'inspect', 'generate']);

/** Builds the `servegen` command tree. */
export function buildProgram(): Command {
  const program = new Command('servegen')
    .description('Fit, regenerate and validate realistic LLM-serving workloads (ServeGen)')
    .version(toolVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Example:
  $ servegen import-servegen ServeGen/data/multimodal/mm-image --out pool.json
  $ servegen generate pool.json --start 64800 --duration 3600 --rate constant:100 --seed 1 --out requests.jsonl

Exit codes: 0 ok, 1 a check failed, 2 bad usage or input, 3 internal error (a bug).`,
    );
  registerIngest(program, (code) => (exitCode = code));
  registerSummarize(program);
  registerSql(program);
  registerFit(program);
  registerValidate(program, (code) => (exitCode = code));
  registerRoundtrip(program, (code) => (exitCode = code));
  registerRun(program, (argv) => main(argv), (code) => (exitCode = code), () => program.commands.map((c) => c.name()));
  registerFidelityTable(program, (code) => (exitCode = code));
  registerCapacity(program, (code) => (exitCode = code));
  registerImportServegen(program);
  registerExportServegen(program);
  registerGenerate(program);
  registerInspect(program);
  for (const cmd of program.commands) {
    cmd.exitOverride();
    // --threads: validate on two threads held two sides' summaries at once (4.9 GB against
    // 3.6 GB at 30 days), with no way back to one; every command that starts threads takes it.
    if (THREADED.has(cmd.name())) {
      // generate starts worker threads only (found by review: its help named DuckDB's).
      const what = cmd.name() === 'generate' ? 'worker threads' : "worker threads and DuckDB's together";
      cmd.option('--threads <n>', `threads to use, ${what} (default: the machine's cores, ${availableParallelism()} here); results are the same with any number, and 1 holds the least in memory`);
      cmd.hook('preAction', (c) => {
        const t = c.opts<{ threads?: string }>().threads;
        if (t !== undefined && !/^\s*[1-9]\d*\s*$/.test(t)) throw new UsageError(`--threads: expected a whole number ≥ 1, got ${JSON.stringify(t)}`);
        setThreads(t === undefined ? undefined : Number(t));
      });
    }
    // --duckdb-memory with the TypeScript engine (the default) was taken and did nothing (found
    // by review): every command that has it says "with --engine duckdb".
    if (cmd.options.some((o) => o.long === '--duckdb-memory')) {
      cmd.hook('preAction', (c) => {
        const o = c.opts<{ duckdbMemory?: string; engine?: string }>();
        if (o.duckdbMemory !== undefined && o.engine === 'ts') throw new UsageError(`--duckdb-memory ${o.duckdbMemory}: the DuckDB memory limit applies with --engine duckdb (or auto, above 256 MB of input); this run uses the TypeScript engine (--engine ts, the default)`);
      });
    }
    // A valued flag given twice took its last value without a word (`--rate constant:5 … --rate
    // scale:2`; found by review). The last still wins — scripts append overrides to a base
    // command line — but two different values are named in a warning (silenced by --quiet, as
    // every warning is).
    const given = new Map<string, string[]>();
    for (const o of cmd.options) {
      if (!o.required && !o.optional) continue;
      cmd.on(`option:${o.name()}`, (value: unknown) => {
        const flag = o.long ?? o.short ?? o.name();
        given.set(flag, [...(given.get(flag) ?? []), String(value)]);
      });
    }
    cmd.hook('preAction', () => {
      if (cmd.opts<{ quiet?: boolean }>().quiet) return;
      for (const [flag, values] of given) {
        const distinct = [...new Set(values)];
        if (distinct.length > 1) process.stderr.write(`warning: ${flag} given ${values.length} times with different values (${distinct.map((v) => JSON.stringify(v)).join(', ')}): the last, ${JSON.stringify(values[values.length - 1])}, is used\n`);
      }
    });
    // Commander checks required options before unknown ones, so `generate … --duraton 3600`
    // said "required option '--duration <seconds>' not specified" (found by review). A flag it
    // did not know is left in `args` (known options are taken out): name it first, with its
    // "did you mean", as it does when nothing required is missing.
    // Likewise `servegen generate` alone asked for --duration, then --out, and the profile last
    // (found by a new user's walkthrough): a missing argument is named before a missing option.
    const c = cmd as Command & { missingMandatoryOptionValue(option: unknown): void; unknownOption(flag: string): void; missingArgument(name: string): void };
    const missing = c.missingMandatoryOptionValue.bind(c);
    c.missingMandatoryOptionValue = (option: unknown) => {
      const end = c.args.indexOf('--');
      const flag = (end < 0 ? c.args : c.args.slice(0, end)).find((a) => /^--?[A-Za-z]/.test(a));
      if (flag !== undefined) c.unknownOption(flag.split('=')[0]);
      const required = c.registeredArguments.filter((a) => a.required);
      if (c.args.length < required.length) c.missingArgument(required[c.args.length].name());
      missing(option);
    };
  }
  return program;
}

/** The exit code the running command has set so far (a failed check: 1), for a stdout that closes early. */
export function currentExitCode(): number {
  return exitCode;
}

/** Runs the CLI; resolves to the process exit code. Never throws. */
export async function main(argv: string[]): Promise<number> {
  exitCode = EXIT_OK;
  setThreads(undefined);
  const program = buildProgram();
  try {
    // `servegen help nope` printed the whole help with exit 2 and no word of the unknown name (found by review).
    const [word, name] = argv.slice(2);
    if (word === 'help' && name !== undefined && !name.startsWith('-') && !program.commands.some((c) => c.name() === name || c.aliases().includes(name))) {
      throw new UsageError(`help ${name}: no such command; the commands are ${program.commands.map((c) => c.name()).join(', ')}`);
    }
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    const { message, code } = describeError(err);
    if (message && !(err instanceof CommanderError)) process.stderr.write(`servegen: ${message}\n`);
    // A reader that stopped early (EPIPE) ends the run quietly with what the command had found
    // by then: a failed check (validate, fidelity-table) still exits 1 (it exited 0).
    if ((err as NodeJS.ErrnoException | null)?.code === 'EPIPE') return exitCode;
    return code;
  } finally {
    stopProgress();
  }
}

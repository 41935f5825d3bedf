#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm ci` through the `prepare` script).
import { getHeapStatistics } from 'node:v8';
import { currentExitCode, heapContext, main, relaunch, relaunchFlags, removeTemporariesOnSignals } from '../dist/cli/main.js';

// Large inputs: the command runs again in a child allowed 75 % of the memory, not Node's default
// ~4 GB heap (src/cli/heap.ts). SERVEGEN_DEBUG_HEAP=1 prints the heap limit a command runs with.
const flags = relaunchFlags(heapContext(process.argv));
if (flags) {
  process.exitCode = await relaunch(flags, process.argv);
} else {
  if (process.env.SERVEGEN_DEBUG_HEAP) process.stderr.write(`servegen: heap limit ${Math.round(getHeapStatistics().heap_size_limit / 2 ** 20)} MB\n`);

  // Ctrl-C leaves no temporary output behind (outputs are written to a temporary file, then renamed).
  removeTemporariesOnSignals();

  // Output piped into a reader that stops early (`servegen sql … | head`) is not an error.
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? currentExitCode());
    throw err;
  });

  // Diagnostics whose reader went away (`servegen validate … 2>&1 | head`, a log pipe that died)
  // are lost, not an error: the run goes on to write its outputs and exit with its own code (an
  // unhandled EPIPE on stderr made a passing validate exit 1, a failed check; found by a batch-job audit).
  process.stderr.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
  });

  process.exitCode = await main(process.argv);
}

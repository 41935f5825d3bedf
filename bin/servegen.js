#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm ci` through the `prepare` script).
import { main, removeTemporariesOnSignals } from '../dist/cli/main.js';

// Ctrl-C leaves no temporary output behind (outputs are written to a temporary file, then renamed).
removeTemporariesOnSignals();

// Output piped into a reader that stops early (`servegen sql … | head`) is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});

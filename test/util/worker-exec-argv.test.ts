/**
 * A worker started from a file inherits the parent's Node options and refuses `--input-type`
 * (ERR_INPUT_TYPE_NOT_ALLOWED): a program run as `node --input-type=module -e …`, or from
 * standard input, failed validateTracesParallel and generateToFile's writer thread with that
 * message (found by using the installed package as a library, h-102). The built package's
 * threads are checked end to end in test/cli/package-contents.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../src/util/worker.js';

describe('workerExecArgv', () => {
  it('drops --input-type in both forms and keeps the other options', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'code'])).toEqual(['-e', 'code']);
    expect(workerExecArgv(['--input-type', 'module'])).toEqual([]);
    expect(workerExecArgv(['--max-old-space-size=4096', '--input-type=commonjs', '--import', 'tsx'])).toEqual(['--import', 'tsx']);
  });

  it('leaves the options inherited when there is no --input-type (a worker refuses --max-old-space-size given explicitly: the launcher relaunch failed every threaded command)', () => {
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(['--max-old-space-size=18078'])).toBeUndefined();
  });
});

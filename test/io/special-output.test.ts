import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tempPathFor, writeFileAtomic } from '../../src/io/atomic.js';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers.js';

describe('outputs that are not regular files', () => {
  it('a named pipe gets the bytes and stays a pipe (a rename replaced /dev/stdout with a file, found by review)', async () => {
    const dir = tempDir();
    const fifo = `${dir}/pipe`;
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('sh', ['-c', `cat "${fifo}" > "${dir}/got"`]);
    const done = new Promise<number | null>((resolve) => reader.on('exit', resolve));
    writeFileAtomic(fifo, 'hello\n');
    const piped = statSync(fifo).isFIFO();
    if (!piped) reader.kill();
    await done;
    expect(piped).toBe(true);
    expect(readFileSync(`${dir}/got`, 'utf8')).toBe('hello\n');
  });

  it('/dev/stdout redirected to a file: written at the shell\'s place in it, not over what came before', () => {
    const dir = tempDir();
    const atomic = fileURLToPath(new URL('../../src/io/atomic.ts', import.meta.url));
    const child = `${process.execPath} --import tsx -e "import('${atomic}').then((m) => m.writeFileAtomic('/dev/stdout', 'middle\\n'))"`;
    const r = spawnSync('sh', ['-c', `(echo before; ${child}; echo after) > "${dir}/out.txt"`], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(`${dir}/out.txt`, 'utf8')).toBe('before\nmiddle\nafter\n');
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });

  it('a symbolic link is written through and stays a link; a plain path is replaced atomically', () => {
    const dir = tempDir();
    writeFileSync(`${dir}/target`, 'old');
    symlinkSync(`${dir}/target`, `${dir}/link`);
    writeFileAtomic(`${dir}/link`, 'new');
    expect(lstatSync(`${dir}/link`).isSymbolicLink()).toBe(true);
    expect(readFileSync(`${dir}/target`, 'utf8')).toBe('new');
    writeFileAtomic(`${dir}/plain`, 'a');
    writeFileAtomic(`${dir}/plain`, 'b');
    expect(readFileSync(`${dir}/plain`, 'utf8')).toBe('b');
  });

  it('/dev/stdout and a named pipe take their temporary file in the temporary directory, not beside them (in /dev only root may create one: --json /dev/stdout failed with permission denied for any other user; found by a batch-job audit)', () => {
    // In this process's own directory there (mode 0700): a predictable name directly in a shared
    // /tmp could be a link planted by another user.
    const own = join(tmpdir(), `servegen-${process.getuid?.() ?? 'user'}-${process.pid}`);
    expect(dirname(tempPathFor('/dev/stdout'))).toBe(own);
    expect(dirname(tempPathFor('/dev/fd/1'))).toBe(own);
    expect(statSync(own).mode & 0o777).toBe(0o700);
    const dir = tempDir();
    expect(spawnSync('mkfifo', [`${dir}/pipe`]).status).toBe(0);
    expect(dirname(tempPathFor(`${dir}/pipe`))).toBe(own);
    expect(dirname(tempPathFor(`${dir}/plain.json`))).toBe(dir);
    // Written through, the directory is removed once empty.
    writeFileAtomic('/dev/null', 'x');
    expect(existsSync(own)).toBe(false);
  });

  it.runIf(process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0)('a user who is not root writes --json /dev/stdout (run as nobody)', () => {
    const dir = tempDir();
    chmodSync(dir, 0o777); // nobody's temporary directory (tsx's cache too)
    const atomic = fileURLToPath(new URL('../../src/io/atomic.ts', import.meta.url));
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', `import { writeFileAtomic } from '${atomic}'; writeFileAtomic('/dev/stdout', 'report\\n');`], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)), env: { ...process.env, TMPDIR: dir } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('report\n');
  });

  it('a planted directory of that name, not private to this user, is refused rather than written into', () => {
    const own = join(tmpdir(), `servegen-${process.getuid?.() ?? 'user'}-${process.pid}`);
    mkdirSync(own, { mode: 0o777 });
    chmodSync(own, 0o777);
    try {
      expect(() => writeFileAtomic('/dev/null', 'x')).toThrow(`cannot write (${own} is not a private directory of this user, where a temporary output goes; remove it)`);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
    writeFileAtomic('/dev/null', 'x');
  });
});

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { runCli } from './run-cli.js';

describe('inspect of a profile whose windows have no gaps', () => {
  it('says there is no CV and no family instead of "NaN %" and an empty list (review: a 1-row log)', async () => {
    const dir = tempDir();
    const log = join(dir, 'one.csv');
    writeFileSync(log, 'timestamp,client_id,input_tokens,output_tokens\n5,a,10,20\n');
    const profile = join(dir, 'one.json');
    const report = join(dir, 'one.html');
    expect((await runCli('fit', log, '--preset', 'servegen', '--out', profile, '--report', report, '--quiet')).code).toBe(0);
    const r = await runCli('inspect', profile);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('NaN');
    expect(r.stdout).toContain('IAT CV        request-weighted median —, mean —; — % of requests in windows with CV > 1');
    expect(r.stdout).toContain('families      none: no window has enough gaps for a model');
    const html = readFileSync(report, 'utf8');
    expect(html).not.toContain('NaN');
    expect(html).toContain('<tr><th>families</th><td>none: no window has enough gaps for a model');
  });
});

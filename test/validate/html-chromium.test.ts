import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { fixture, tempDir } from '../helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

// Renders the HTML fidelity report in headless Chromium (installed by .ci/run when apt is
// available): the page loads offline, has its charts, draws something, and logs no errors.
describe.skipIf(!CHROMIUM)('fit and fidelity reports in headless Chromium', () => {
  it('renders with charts and no console errors', async () => {
    const dir = tempDir();
    const out = join(dir, 'rt');
    const r = await runCli('roundtrip', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', out, '--quiet');
    expect([0, 1]).toContain(r.code);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('requestfailed', (q) => problems.push(`request failed: ${q.url()}`));
      // The fit report of the same trace first: non-blank, with charts.
      const fitDir = join(dir, 'fit');
      expect((await runCli('fit', fixture('traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), '--preset', 'azure-llm-2023', '--out', join(fitDir, 'p.json'), '--report', join(fitDir, 'fit.html'), '--quiet')).code).toBe(0);
      await page.goto(`file://${join(fitDir, 'fit.html')}`);
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(6);
      const fitShot = await page.screenshot({ fullPage: true });
      writeFileSync(join(dir, 'fit.png'), fitShot);
      expect(fitShot.length).toBeGreaterThan(20_000);
      await page.goto(`file://${join(out, 'fidelity.html')}`);
      expect(await page.title()).toBe('Fidelity of generated.jsonl to AzureLLMInferenceTrace_code.csv — ServeGen fidelity report');
      const charts = await page.locator('svg.chart').count();
      expect(charts).toBeGreaterThanOrEqual(6);
      const paths = await page.locator('svg.chart path').count();
      expect(paths).toBeGreaterThanOrEqual(10);
      const rows = await page.locator('tr.pass, tr.fail').count();
      expect(rows).toBeGreaterThan(20);
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(join(dir, 'report.png'), shot);
      // Not blank: a rendered report has many distinct bytes in its PNG.
      expect(shot.length).toBeGreaterThan(20_000);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

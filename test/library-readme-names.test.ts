/**
 * The README's "Using the library" section names the library's functions and classes by
 * namespace (`profile.scaleClientRates(…)`, `ingest.IngestError`, and `name(…)` in the bullet of
 * its namespace): each must be an export of that namespace. A guard (h-102), written when that
 * review added names to the section (scaleClientRates, startNote, summariesFromJson, …): the
 * names it held then all existed; a renamed or removed export now fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('\n## Using the library\n'), readme.indexOf('\n## ', readme.indexOf('\n## Using the library\n') + 5));
const METHODS = new Set(['sample']);
const namespaces = Object.keys(lib).filter((k) => typeof (lib as Record<string, unknown>)[k] === 'object');

/** `ns.name` a section's code spans name: calls (`ns.f(`) and classes or constants (`ns.PascalCase`, `ns.UPPER_CASE`). */
function namedExports(): [string, string][] {
  const found: [string, string][] = [];
  const code = [...section.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  for (const text of code) {
    for (const m of text.matchAll(/\b([a-z]+)\.([A-Za-z_]\w*)(\()?/g)) {
      const [, ns, name, call] = m;
      if (!namespaces.includes(ns)) continue;
      if (call || /^[A-Z]/.test(name)) found.push([ns, name]);
    }
  }
  // In a bullet "- `ns`: …", its calls without the namespace: `name(…)`.
  for (const bullet of section.split('\n- ').slice(1)) {
    const ns = /^`([a-z]+)`:/.exec(bullet)?.[1];
    if (!ns || !namespaces.includes(ns)) continue;
    // (Less the methods of what an export returns: `gamma.create(…)` gives `sample(rng)`.)
    for (const m of bullet.matchAll(/`([A-Za-z_]\w*)\(/g)) if (!METHODS.has(m[1])) found.push([ns, m[1]]);
  }
  return found;
}

describe("README, Using the library: the names it gives", () => {
  it('are exports of their namespaces', () => {
    const named = namedExports();
    expect(named.length).toBeGreaterThan(50);
    const missing = named.filter(([ns, name]) => !(name in ((lib as Record<string, object>)[ns] ?? {}))).map(([ns, name]) => `${ns}.${name}`);
    expect([...new Set(missing)]).toEqual([]);
  });
});

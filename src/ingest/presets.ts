import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readMapping, type FieldSource, type Mapping } from './mapping.js';
import type { CanonicalField } from './fields.js';
import { IngestError } from './errors.js';

/** Directory of the shipped preset mapping files (`presets/` at the package root). */
export function presetDir(): string {
  return fileURLToPath(new URL('../../presets/', import.meta.url));
}

/** Names of the shipped presets. */
export function listPresets(): { name: string; description: string }[] {
  const dir = presetDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.json$/, '');
      return { name, description: readMapping(join(dir, f)).description ?? '' };
    });
}

/** Loads a preset by name; unknown names list the available ones. */
export function loadPreset(name: string): Mapping {
  const file = join(presetDir(), `${name}.json`);
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
    throw new IngestError(`unknown preset ${JSON.stringify(name)}; available: ${listPresets().map((p) => p.name).join(', ')}`);
  }
  return readMapping(file);
}

/**
 * The shipped presets (not `servegen`) that can read a log with these columns: every column a
 * required field names is there (a dotted path by its first key; one column of a `coalesce`
 * is enough). Those reading the most columns first, so an Azure multimodal log names
 * `azure-multimodal-2024` before `azure-llm-2023`. For "give --preset X" hints.
 */
export function presetsFitting(columns: readonly string[]): string[] {
  const have = new Set(columns);
  const top = (c: string) => have.has(c) || have.has(c.split('.')[0]);
  const fits: { name: string; used: number }[] = [];
  for (const { name } of listPresets()) {
    if (name === 'servegen') continue;
    const m = loadPreset(name);
    let used = 0;
    let ok = true;
    for (const [field, src] of Object.entries(m.columns) as [CanonicalField, FieldSource][]) {
      const names = typeof src === 'string' ? [src] : Array.isArray(src) ? src : 'length' in src ? [src.length] : 'coalesce' in src ? src.coalesce : [];
      if (names.length === 0) continue;
      const any = typeof src === 'object' && !Array.isArray(src) && 'coalesce' in src;
      const found = names.filter(top).length;
      if (any ? found > 0 : found === names.length) used += found;
      else if (!m.optional.includes(field)) ok = false;
    }
    if (ok && used > 0) fits.push({ name, used });
  }
  return fits.sort((a, b) => b.used - a.used).map((f) => f.name);
}

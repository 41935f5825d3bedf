import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readMapping, type Mapping } from './mapping.js';
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

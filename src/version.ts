import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** This package's version, read once from package.json. */
export function toolVersion(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}

/** `servegen-ts@x.y.z`, as recorded in provenance. */
export function toolName(): string {
  return `servegen-ts@${toolVersion()}`;
}

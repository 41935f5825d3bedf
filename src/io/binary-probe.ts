/**
 * Whether the first bytes of a text input look binary: control bytes other than tab, LF, CR,
 * form feed and ESC make up more than 1 % of them, and there are more than 3 (compressed or
 * binary data: ~10 %; text with a stray NUL: a few bytes), one of them a NUL. A NUL alone refused the whole file as binary in the TypeScript engine
 * (within the first 64 KiB only; later NULs were read) while DuckDB read the values with the NUL
 * in them (left open by review): stray NULs are now read as DuckDB reads them.
 */
export function binaryProbe(probe: Uint8Array): { controls: number; nuls: number } | undefined {
  let controls = 0;
  let nuls = 0;
  for (let i = 0; i < probe.length; i++) {
    const b = probe[i];
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 27) {
      controls++;
      if (b === 0) nuls++;
    }
  }
  return nuls > 0 && controls > 3 && controls * 100 > probe.length ? { controls, nuls } : undefined;
}

/** The message for binaryProbe's result. */
export function binaryMessage(file: string, probe: Uint8Array, found: { controls: number; nuls: number }, what: string): string {
  return `${file}: looks binary (${found.nuls} NUL and ${found.controls - found.nuls} other control bytes in its first ${probe.length} bytes), not ${what}; use --format if the extension is wrong`;
}

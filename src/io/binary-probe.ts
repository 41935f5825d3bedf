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

/** Archives and compressions inputs are not read through, by their magic bytes. */
const OTHER_COMPRESSIONS: readonly [string, readonly number[], string][] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz -dk'],
  ['bzip2', [0x42, 0x5a, 0x68], 'bunzip2 -k'],
  ['lz4', [0x04, 0x22, 0x4d, 0x18], 'lz4 -d'],
  ['zip', [0x50, 0x4b, 0x03, 0x04], 'unzip'],
  ['7-Zip', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], '7z x'],
];

const EXPORT_AS_CSV = 'export it as CSV (or Parquet) from the spreadsheet program first';

/**
 * A spreadsheet workbook, by its bytes: Office Open XML (.xlsx: a zip whose first entry is
 * `[Content_Types].xml`), OpenDocument (.ods: a zip whose first entry names its mimetype) or
 * Excel 97–2003 (.xls: an OLE2 compound file); else undefined. (Read as CSV, an .xlsx was told
 * to be unzipped, which gives XML; found in session 21.)
 */
export function spreadsheetKind(probe: Uint8Array): string | undefined {
  const at = (magic: readonly number[], from = 0) => probe.length >= from + magic.length && magic.every((b, i) => probe[from + i] === b);
  if (at([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'an Excel 97–2003 workbook (.xls)';
  if (!at([0x50, 0x4b, 0x03, 0x04])) return undefined;
  const head = Buffer.from(probe.subarray(0, Math.min(probe.length, 512))).toString('latin1');
  if (head.includes('[Content_Types].xml') || head.includes('xl/')) return 'an Excel workbook (.xlsx)';
  if (head.includes('application/vnd.oasis.opendocument.spreadsheet')) return 'an OpenDocument spreadsheet (.ods)';
  return undefined;
}

/**
 * "UTF-16 text" and how to convert it, when the bytes start with a UTF-16 byte-order mark, or
 * their first 64 (at least 8) bytes hold a NUL at every odd or every even offset and nothing else
 * there (ASCII text in UTF-16 without a mark); else undefined. Spreadsheet programs ("Unicode
 * text") and PowerShell 5 (`Export-Csv`, `Out-File`) write UTF-16 by default: such a file was
 * "looks binary …; use --format if the extension is wrong", which the extension was not, and
 * DuckDB named rows it could not split (found by a new user's review).
 */
export function utf16Kind(probe: Uint8Array, compressed?: 'gzip' | 'zstd'): string | undefined {
  // (inside a gzip or zstd file: decompressed first, as iconv reads text)
  const how = `convert it to UTF-8 first, e.g. ${compressed === 'gzip' ? 'gunzip -c in | iconv -f UTF-16 -t UTF-8 > out' : compressed === 'zstd' ? 'zstd -dc in | iconv -f UTF-16 -t UTF-8 > out' : 'iconv -f UTF-16 -t UTF-8 < in > out'}`;
  if (probe.length >= 2 && ((probe[0] === 0xff && probe[1] === 0xfe) || (probe[0] === 0xfe && probe[1] === 0xff))) {
    return `UTF-16 text (${probe[0] === 0xff ? 'little' : 'big'}-endian, by its byte-order mark; ${how})`;
  }
  const n = Math.min(probe.length, 64) & ~1;
  if (n < 8) return undefined;
  for (const zero of [1, 0]) {
    let ok = true;
    for (let i = 0; i < n && ok; i += 2) ok = probe[i + zero] === 0 && probe[i + 1 - zero] !== 0;
    if (ok) return `UTF-16 text (${zero === 1 ? 'little' : 'big'}-endian: a NUL byte beside every character; ${how})`;
  }
  return undefined;
}

/** "compressed with xz" and how to undo it, when the bytes start so (or UTF-16 text, or a spreadsheet); else undefined. */
export function otherCompression(probe: Uint8Array): string | undefined {
  const utf16 = utf16Kind(probe);
  if (utf16) return utf16;
  const sheet = spreadsheetKind(probe);
  if (sheet) return `${sheet}: ${EXPORT_AS_CSV}`;
  for (const [name, magic, tool] of OTHER_COMPRESSIONS) {
    if (probe.length >= magic.length && magic.every((b, i) => probe[i] === b)) return `${name}-compressed data (decompress it first, e.g. ${tool}; gzip and zstd inputs are read as they are)`;
  }
  return undefined;
}

/** The message for binaryProbe's result. */
export function binaryMessage(file: string, probe: Uint8Array, found: { controls: number; nuls: number }, what: string): string {
  const compressed = otherCompression(probe);
  if (compressed) return `${file}: ${compressed}, not ${what}`;
  return `${file}: looks binary (${found.nuls} NUL and ${found.controls - found.nuls} other control bytes in its first ${probe.length} bytes), not ${what}; use --format if the extension is wrong`;
}

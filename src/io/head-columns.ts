import { readTextHead } from './file-kind.js';
import { otlpLineColumns } from './from-otlp-json.js';
import { startsOtlpJson } from './otlp-json-head.js';

/**
 * The column names of a text log, from its first line: a CSV/TSV header, or the keys of a
 * first JSON-lines object. Undefined when the head shows none (binary formats, a first line
 * longer than 64 KiB, no delimiter-separated names). For hints only: the readers parse the
 * file on their own.
 */
export function headColumns(file: string): string[] | undefined {
  let text = readTextHead(file, 65536).toString('utf8').replace(/^\uFEFF/, '');
  // OpenTelemetry traces: the names of the first span's values (a batch of spans on one line
  // runs past 64 KiB: up to 4 MiB of it is read).
  if (startsOtlpJson(text)) {
    if (!text.includes('\n')) text = readTextHead(file, 1 << 22).toString('utf8').replace(/^\uFEFF/, '');
    const nl = text.indexOf('\n');
    return otlpLineColumns(nl < 0 ? text : text.slice(0, nl));
  }
  const nl = text.indexOf('\n');
  if (nl < 0) return undefined;
  const line = text.slice(0, nl).replace(/\r$/, '').trim();
  if (line.startsWith('{')) {
    try {
      const v = JSON.parse(line) as unknown;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : undefined;
    } catch {
      return undefined;
    }
  }
  const delimiter = line.includes('\t') && !line.includes(',') ? '\t' : ',';
  const names = line.split(delimiter).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  return names.length > 1 && names.every((c) => c !== '') ? names : undefined;
}

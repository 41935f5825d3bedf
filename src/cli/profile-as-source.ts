import { fileKind, readTextHead } from '../io/file-kind.js';

/** The `generator` part of a servegen jsonl or csv trace's header line, if the file starts with one. */
function generatorOf(file: string): Record<string, unknown> | undefined {
  const first = readTextHead(file).toString('utf8').split('\n', 1)[0].replace(/^\uFEFF/, '');
  const json = first.startsWith('# servegen: ') ? first.slice('# servegen: '.length) : first.startsWith('{"servegen"') ? first : undefined;
  if (json === undefined) return undefined;
  try {
    const parsed = JSON.parse(json) as { servegen?: { generator?: unknown }; generator?: unknown };
    const g = (parsed.servegen ?? parsed).generator;
    return g !== null && typeof g === 'object' ? (g as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A shell word: as it is when it needs no quoting, else in single quotes. */
function word(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The error for `validate <profile> <generated>`: validate compares two traces, and a receiver
 * of a shared profile has no source log (found by a receiver's review, h-104: the refusal named
 * `inspect` and `generate` only, and no page said how to check a trace against a profile
 * alone). It gives the check that works — a reference draw of the profile made as the trace
 * was, with another seed, as the source — with the trace's own `--start`, `--duration` and
 * `--rate` when its header (a jsonl or csv trace of ours) records them. Undefined when `source`
 * is not a profile.
 */
export function profileAsSourceError(source: string, generated: string): string | undefined {
  if (fileKind(source) !== 'profile') return undefined;
  const g = generatorOf(generated);
  const flag = (name: string, v: unknown, fallback: string) => ` --${name} ${typeof v === 'number' || (typeof v === 'string' && v !== '') ? word(String(v)) : fallback}`;
  const rate = typeof g?.rate === 'string' && g.rate.startsWith('file:') ? g.rate.slice('file:'.length) : g?.rate;
  const extra = `${g?.naive === true ? ' --naive' : ''}${g?.shape_source === 'params' ? ' --shape params' : ''}`;
  const generate = `servegen generate ${word(source)}${flag('start', g?.start, 'S')}${flag('duration', g?.duration, 'SECONDS')}${flag('rate', rate, 'SPEC')}${extra} --seed reference --out reference.jsonl`;
  const from = g ? ` (the settings from ${generated}'s header; add its --clients, --no-sessions or --no-gap-memory if it was made with them)` : ' (the --start, --duration, --rate and other options it was generated with; a replay format, mooncake say, drawn with --format mooncake and validated with --source-preset mooncake --generated-preset mooncake)';
  return `${source}: a servegen profile, not a trace: validate compares two traces. To check ${generated} against the profile alone, draw the profile again as it was drawn, with another seed, and validate against that draw (README, Against a profile alone): ${generate}${from}, then servegen validate reference.jsonl ${word(generated)}`;
}

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../io/atomic.js';
import { compressedNameProblem } from '../io/trace-writer.js';
import { ProfileError } from './errors.js';
import type { Profile } from './schema.js';
import { validateProfile } from './read.js';

/**
 * A profile's text in pieces (lines with their newlines). Arrival and length windows go one
 * per line so diffs and `grep` stay readable while the file stays compact — and so a profile
 * too large for one string can be read back line by line (readProfile).
 */
export function* profileChunks(profile: Profile): Generator<string, void, undefined> {
  const { clients, ...head } = profile;
  const headJson = JSON.stringify(head, null, 1).replace(/\n\s*/g, ' ');
  yield headJson.slice(0, -1).trimEnd() + ',\n';
  yield ' "clients": [\n';
  for (let ci = 0; ci < clients.length; ci++) {
    const { arrivals, lengths, ...rest } = clients[ci];
    const restJson = JSON.stringify(rest);
    yield `  ${restJson.slice(0, -1)},\n`;
    yield '   "arrivals": [\n';
    for (let i = 0; i < arrivals.length; i++) yield `    ${JSON.stringify(arrivals[i])}${i < arrivals.length - 1 ? ',' : ''}\n`;
    yield '   ],\n';
    yield '   "lengths": [\n';
    for (let i = 0; i < lengths.length; i++) yield `    ${JSON.stringify(lengths[i])}${i < lengths.length - 1 ? ',' : ''}\n`;
    yield `   ]}${ci < clients.length - 1 ? ',' : ''}\n`;
  }
  yield ' ]}\n';
}

/** A profile's text (see profileChunks). */
export function serializeProfile(profile: Profile): string {
  return [...profileChunks(profile)].join('');
}

/**
 * The SHA-256 a profile is known by (generated traces record it): of its text as writeProfile
 * writes it, which readProfile gives for the file (gzipped or not).
 */
export function profileSha256(profile: Profile): string {
  const hash = createHash('sha256');
  for (const chunk of profileChunks(profile)) hash.update(chunk, 'utf8');
  return hash.digest('hex');
}

/**
 * Writes a profile atomically (temp file, then rename), in pieces: no single string holds it.
 * A name ending in `.gz` gets it gzipped (a long log's profile is mostly digits: several times
 * smaller), as gzip members of ~4 MB of text each — one gzip file to every reader (gunzip,
 * Python's gzip, Node's zlib), deterministic, and never the whole text in memory.
 * readProfile reads either.
 */
export function writeProfile(file: string, profile: Profile): void {
  // Every reader checks a profile; so does its writer: a value the fit got wrong (NaN or ±∞
  // becomes null in JSON) is an internal error here, not a file that generate then refuses.
  try {
    validateProfile(profile, file);
  } catch (err) {
    // A plain Error (the CLI's exit 3: a fit that made it is a bug), with the ProfileError as its
    // `cause`: a library caller who edited the profile reads its `where` there (found by using
    // the library, h-102: the path was in the message only).
    throw new Error(`${(err as Error).message} — in the profile about to be written (not written)`, { cause: err });
  }
  const compressed = compressedNameProblem(file, true);
  if (compressed) throw new ProfileError(compressed, file);
  // `.GZ` too (found by review: `--out p.JSON.GZ` wrote plain JSON under a gzip name).
  if (!/\.gz$/i.test(file)) return writeFileAtomic(file, profileChunks(profile));
  const members: Buffer[] = [];
  let text: string[] = [];
  let size = 0;
  const flush = () => {
    if (size > 0) members.push(gzipSync(Buffer.from(text.join(''), 'utf8'), { level: 6 }));
    text = [];
    size = 0;
  };
  for (const chunk of profileChunks(profile)) {
    text.push(chunk);
    size += chunk.length;
    if (size >= 4 << 20) flush();
  }
  flush();
  writeFileAtomic(file, Buffer.concat(members));
}

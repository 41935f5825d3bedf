import { writeFileAtomic } from '../io/atomic.js';
import type { Profile } from './schema.js';

/**
 * Serializes a profile. Arrival and length windows go one per line so diffs and
 * `grep` stay readable while the file stays compact.
 */
export function serializeProfile(profile: Profile): string {
  const { clients, ...head } = profile;
  const lines: string[] = [];
  const headJson = JSON.stringify(head, null, 1).replace(/\n\s*/g, ' ');
  lines.push(headJson.slice(0, -1).trimEnd() + ',');
  lines.push(' "clients": [');
  clients.forEach((client, ci) => {
    const { arrivals, lengths, ...rest } = client;
    const restJson = JSON.stringify(rest);
    lines.push(`  ${restJson.slice(0, -1)},`);
    lines.push('   "arrivals": [');
    arrivals.forEach((w, i) => lines.push(`    ${JSON.stringify(w)}${i < arrivals.length - 1 ? ',' : ''}`));
    lines.push('   ],');
    lines.push('   "lengths": [');
    lengths.forEach((w, i) => lines.push(`    ${JSON.stringify(w)}${i < lengths.length - 1 ? ',' : ''}`));
    lines.push(`   ]}${ci < clients.length - 1 ? ',' : ''}`);
  });
  lines.push(' ]}');
  return lines.join('\n') + '\n';
}

/** Writes a profile atomically (temp file, then rename). */
export function writeProfile(file: string, profile: Profile): void {
  writeFileAtomic(file, serializeProfile(profile));
}

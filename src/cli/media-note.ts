import type { Profile } from '../profile/schema.js';

const MEDIA = ['image', 'audio', 'video'] as const;

/**
 * A note on clients whose length windows have a modality's tokens per item but no count of its
 * items in any window: `generate` draws per-item tokens for each item counted, so such a client's
 * tokens of that modality are left out of every request. No command writes such a profile; a
 * hand edit does (found by a receiver's review, h-104: deleting `image_count` to drop images left
 * `image_tokens_per_item`, and the images' tokens went without a word). Undefined when none.
 */
export function itemTokensWithoutCountNote(profile: Profile): string | undefined {
  const parts: string[] = [];
  for (const m of MEDIA) {
    const ids = profile.clients
      .filter((c) => {
        const has = (f: string) => c.lengths.some((w) => f in w.fields);
        return has(`${m}_tokens_per_item`) && !has(`${m}_count`) && !has(`${m}_tokens`);
      })
      .map((c) => c.id);
    if (ids.length === 0) continue;
    const shown = ids.slice(0, 5).join(', ') + (ids.length > 5 ? ', …' : '');
    parts.push(`${m}_tokens_per_item without ${m}_count (${ids.length} client${ids.length === 1 ? '' : 's'}: ${shown}): no ${m} tokens are generated for ${ids.length === 1 ? 'it' : 'them'}`);
  }
  if (parts.length === 0) return undefined;
  return `note: ${parts.join('; ')} — tokens are drawn per item counted; to drop a modality delete both fields, to keep it keep both (docs/profile-format.md, Length window)`;
}

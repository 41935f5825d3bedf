import { describe, expect, it } from 'vitest';
import { ByteSink } from '../../src/io/byte-sink.js';

describe('ByteSink.text writes UTF-8 in place', () => {
  it('ASCII, Latin-1, CJK, emoji (surrogate pairs), lone surrogates and empty strings, across chunk boundaries, as Buffer.from(…, "utf8")', () => {
    const strings = ['', 'GPT-4/Conversation log#17', 'café', 'é', '中文会话#3', 'a😀b', '😀', 'x\ud800y', '\u007f\u0080', '"quoted"\\'];
    const chunks: Uint8Array[] = [];
    const sink = new ByteSink((c) => chunks.push(c.slice()));
    const expected: Buffer[] = [];
    // ~3 MB: several 1 MiB chunks, so strings land on chunk boundaries.
    for (let i = 0; i < 120_000; i++) {
      const s = strings[i % strings.length] + String(i);
      sink.text(s);
      expected.push(Buffer.from(s, 'utf8'));
    }
    sink.flush();
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(Buffer.concat(expected))).toBe(true);
  });

  it('jsonString writes what JSON.stringify writes: quotes, backslashes, controls, DEL, non-ASCII, lone surrogates', () => {
    const strings = ['', 'GPT-4/Conversation log#17', 'a"b', 'a\\b', 'tab\there', 'nl\n', '\u0000', '\u007f', 'café', '中文', 'a😀b', 'x\ud800y', 'end\udc00'];
    const chunks: Uint8Array[] = [];
    const sink = new ByteSink((c) => chunks.push(c.slice()));
    for (const s of strings) sink.jsonString(s);
    sink.flush();
    expect(Buffer.concat(chunks).toString('utf8')).toBe(strings.map((s) => JSON.stringify(s)).join(''));
  });
});

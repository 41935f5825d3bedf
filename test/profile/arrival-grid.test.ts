/**
 * A profile's arrival windows lie on one grid, `windows.arrival_seconds` apart (found by a
 * receiver's review, h-104): a hand edit of one window's start from 1 200 to 1 300 s was read and
 * generated exactly as before (the window drawn on the grid), and `arrival_seconds` raised from
 * 600 to 900 s with the windows left 600 s apart (overlapping) drew 3 % more requests, both
 * without a word. Both are refused by path; windows on one grid off multiples of W from span.start
 * (a hand-written profile, windows at 100 and 700 s) are read as before.
 */
import { describe, expect, it } from 'vitest';
import { validateProfile } from '../../src/profile/read.js';
import { refusal } from './refusal.js';

function profile(starts: number[][], W = 600) {
  return {
    format: 'servegen-profile',
    version: 1,
    provenance: { tool: 'servegen-ts@0.1.0', source_sha256: null, created: '2026-01-01T00:00:00.000Z', options: {} },
    windows: { arrival_seconds: W, length_seconds: 21600 },
    span: { origin: null, start: 0, end: 3600 },
    clients: starts.map((s, i) => ({ id: `c${i}`, requests: 60 * s.length, arrivals: s.map((start) => ({ start, rate: 0.1, cv: 1, model: { family: 'exponential', scale: 10 } })), lengths: [] })),
  };
}


describe('arrival windows on one grid', () => {
  it('reads windows a whole number of windows apart, across clients, and off multiples of W from span.start', () => {
    expect(validateProfile(profile([[0, 600, 1200, 3000], [1800]]), 'shared.json').clients).toHaveLength(2);
    expect(validateProfile(profile([[100, 700], [1300]]), 'shared.json').clients).toHaveLength(2);
    // Fit's windows of 0.1 s: starts with the rounding of i × 0.1.
    expect(validateProfile(profile([[0, 0.1, 0.30000000000000004, 0.7000000000000001, 1234.5]], 0.1), 'shared.json').clients).toHaveLength(1);
  });

  it('refuses a window moved off the grid, naming it', () => {
    const e = refusal(profile([[0, 600, 1300, 1800]]));
    expect(e.where).toBe('clients[0].arrivals[2].start');
    expect(e.message).toContain('shared.json: clients[0].arrivals[2].start: 1300 is not a whole number of arrival windows (windows.arrival_seconds 600 s) from the first window\'s start, 0');
  });

  it('refuses a client on another grid than the first', () => {
    expect(refusal(profile([[0, 600], [900]])).where).toBe('clients[1].arrivals[0].start');
  });

  it('refuses arrival_seconds edited without the windows (overlapping windows)', () => {
    const e = refusal(profile([[0, 600, 1200, 1800]], 900));
    expect(e.where).toBe('clients[0].arrivals[1].start');
    expect(e.message).toContain('if arrival_seconds was edited, the windows\' starts must be too');
  });
});

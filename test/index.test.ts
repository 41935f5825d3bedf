import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('package entry', () => {
  it('exposes every stage as a namespace and the CLI main', () => {
    expect(Object.keys(api).sort()).toEqual(['fit', 'generate', 'ingest', 'io', 'main', 'profile', 'stats', 'summary', 'validate']);
    expect(typeof api.generate.planGeneration).toBe('function');
    expect(typeof api.fit.fitTrace).toBe('function');
    expect(typeof api.validate.validateTraces).toBe('function');
    expect(api.stats.createRng(1).nextUint32()).toBe(api.stats.createRng(1).nextUint32());
  });
});

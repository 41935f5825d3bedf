import { afterAll } from 'vitest';
import { removeTempDirs } from './helpers.js';

// Every test file's temporary directories go when its tests are done: a full run made ~190
// of them (~270 MB) in the system's temporary directory and left them there.
afterAll(() => {
  removeTempDirs();
});

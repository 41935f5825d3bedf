import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    // Vitest's default is one worker fewer than the cores: on the 2-core CI machine the 150
    // files ran one at a time (706 s, 12 min 51 s of the 15-minute CI budget with npm ci and
    // the notebooks). One per core took 362 s, all passing; the slowest test was 18 s.
    maxWorkers: Math.max(1, availableParallelism()),
  },
});

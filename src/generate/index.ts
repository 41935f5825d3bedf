export * from './errors.js';
export * from './rate-function.js';
export * from './arrival-sampler.js';
export * from './length-sampler.js';
export * from './compose.js';
export * from './write-trace.js';
export * from './naive.js';
export * from './defaults.js';

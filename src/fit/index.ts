export * from './arrival-fit.js';
export * from './rates.js';
export * from './lengths.js';
export * from './sessions.js';
export * from './fit-trace.js';
export * from './mixtures.js';
export * from './defaults.js';

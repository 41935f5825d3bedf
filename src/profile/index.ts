export * from './errors.js';
export * from './schema.js';
export * from './read.js';
export * from './write.js';
export * from './pydict.js';
export * from './upstream.js';
export * from './summarize.js';
export * from './anonymize.js';

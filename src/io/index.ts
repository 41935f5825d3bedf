export * from './atomic.js';
export * from './json-text.js';

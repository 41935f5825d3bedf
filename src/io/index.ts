export * from './atomic.js';
export * from './json-text.js';
export { TRACE_FORMATS, formatFromPath, type TraceFormat } from './trace-writer.js';

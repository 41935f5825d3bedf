/**
 * ServeGen-TS public API: one namespace per stage (DESIGN.md layout). The CLI (`servegen`)
 * is built on exactly these functions.
 */
export * as stats from './stats/index.js';
export * as io from './io/index.js';
export * as ingest from './ingest/index.js';
export * as summary from './summary/index.js';
export * as fit from './fit/index.js';
export * as profile from './profile/index.js';
export * as generate from './generate/index.js';
export * as validate from './validate/index.js';
export { main } from './cli/main.js';

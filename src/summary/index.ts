export * from './types.js';
export * from './bins.js';
export * from './resolution.js';
export * from './build.js';
export * from './merge.js';
export * from './serialize.js';
export * from './sql.js';
export * from './duckdb.js';
export { duckdbAvailable } from './duckdb-module.js';

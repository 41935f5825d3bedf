export * from './types.js';
export * from './bins.js';
export * from './resolution.js';
export * from './build.js';
export * from './merge.js';
export * from './serialize.js';
export * from './sql.js';
// The DuckDB engine without its low-level helpers, whose declarations name @duckdb/node-api's types (duckdb-api.ts).
export * from './duckdb-api.js';

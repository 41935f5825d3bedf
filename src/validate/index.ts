export * from './thresholds.js';
export * from './distributions.js';
export * from './side.js';
export * from './metrics.js';
export * from './validate.js';
export * from './html.js';
export * from './provisioning.js';

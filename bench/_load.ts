import { loadScanDirectory } from '../src/summary/warehouse.js';
import { readFileSync } from 'node:fs';
const t0 = performance.now();
const w = await loadScanDirectory(process.argv[2]);
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status','utf8'))![1])/1024;
console.log('load', ((performance.now()-t0)/1000).toFixed(2), 's', w.summaries.arrivals.length, 'windows; peak', hwm.toFixed(0), 'MB');

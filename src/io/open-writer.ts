import { csvTraceWriter } from './to-csv.js';
import { jsonlTraceWriter } from './to-jsonl.js';
import { mooncakeTraceWriter } from './to-mooncake.js';
import { vidurTraceWriter } from './to-vidur.js';
import { azureTraceWriter } from './to-azure.js';
import { splitwiseTraceWriter } from './to-splitwise.js';
import { parquetTraceWriter } from './to-parquet.js';
import { arrowTraceWriter } from './to-arrow.js';
import type { TraceLayout } from './trace-schema.js';
import type { TraceFormat, TraceWriter } from './trace-writer.js';

/** Opens the writer for a format (exhaustive over TraceFormat). */
export function openTraceWriter(format: TraceFormat, path: string, layout: TraceLayout): TraceWriter {
  switch (format) {
    case 'jsonl':
      return jsonlTraceWriter(path, layout);
    case 'csv':
      return csvTraceWriter(path, layout);
    case 'parquet':
      return parquetTraceWriter(path, layout);
    case 'arrow':
      return arrowTraceWriter(path, layout);
    case 'mooncake':
      return mooncakeTraceWriter(path, layout);
    case 'vidur':
      return vidurTraceWriter(path, layout);
    case 'azure':
      return azureTraceWriter(path, layout);
    case 'splitwise':
      return splitwiseTraceWriter(path, layout);
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

import { csvTraceWriter } from './to-csv.js';
import { jsonlTraceWriter } from './to-jsonl.js';
import { mooncakeTraceWriter } from './to-mooncake.js';
import { vidurTraceWriter } from './to-vidur.js';
import { azureTraceWriter } from './to-azure.js';
import { splitwiseTraceWriter } from './to-splitwise.js';
import type { TraceLayout } from './trace-schema.js';
import type { TraceFormat, TraceWriter } from './trace-writer.js';

/**
 * Opens the writer for a format (exhaustive over TraceFormat). The Parquet and Arrow writers
 * load their packages (hyparquet-writer, apache-arrow: ~650 modules) when first used, not with
 * every command.
 */
export async function openTraceWriter(format: TraceFormat, path: string, layout: TraceLayout): Promise<TraceWriter> {
  switch (format) {
    case 'jsonl':
      return jsonlTraceWriter(path, layout);
    case 'csv':
      return csvTraceWriter(path, layout);
    case 'parquet':
      return (await import('./to-parquet.js')).parquetTraceWriter(path, layout);
    case 'arrow':
      return (await import('./to-arrow.js')).arrowTraceWriter(path, layout);
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

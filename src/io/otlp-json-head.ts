/**
 * Whether a text (the start of a file) begins an OpenTelemetry trace export in OTLP JSON (the
 * Collector's file exporter: one ExportTraceServiceRequest per line): its first JSON object's
 * first key is `resourceSpans`. (A file of its own, importing nothing: input.ts detects formats
 * with it.)
 */
export function startsOtlpJson(head: string): boolean {
  return /^[\uFEFF \t\r\n]*\{\s*"resourceSpans"\s*:/.test(head);
}

/**
 * Splits a JSON array (`[{…}, {…}]`, any layout: one line or pretty-printed) into the text of
 * its elements as it streams by, with the line each element starts on, so that an array of
 * records reads as JSON lines do: each element parsed on its own (JSON.parse's grammar), a bad
 * one a reject naming its line, the rest read. Exports from databases and API gateways are
 * often such arrays rather than JSON lines.
 *
 * Only the structure is scanned here (strings and their escapes, nesting of [] and {}, commas
 * at the array's own level); whether an element is valid JSON is JSON.parse's to say. An empty
 * element (`[a,,b]`, `[a,]`) is handed over as empty text; a text that ends inside the array
 * hands over the element it was in, and says so (`unclosed`): the reader refuses such a file
 * as cut short, as a truncated gzip file is.
 */
export class JsonArraySplitter {
  /** Nesting depth: the array itself is 1, an object element 2, … */
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private started = false;
  private ended = false;
  /** Line the open element starts on; 0 when none is open. */
  private elementLine = 0;
  private pieces: string[] = [];
  /** Whether an element was handed over since the last comma (an empty one comes from `,,`). */
  private afterComma = false;
  /** Where non-blank text first followed the closing bracket, if it did. */
  trailing: { line: number; text: string } | undefined;

  constructor(private readonly onElement: (text: string, line: number) => void) {}

  /**
   * Whether `head` (the start of a file) begins a JSON array of records rather than JSON lines:
   * its first character other than white space or a BOM is `[`, and its first line is not a
   * whole JSON value (a pretty-printed array's `[`, or a line longer than the head) or is an
   * array holding an object, or is `[]` with nothing after it. A JSON-lines file whose first line is another array (`[1,2]`)
   * stays JSON lines, that line a reject.
   */
  static startsArray(head: string): boolean {
    const m = /^[\uFEFF \t\r\n]*/.exec(head)!;
    if (head[m[0].length] !== '[') return false;
    const nl = head.indexOf('\n', m[0].length);
    if (nl < 0) return true;
    let first: unknown;
    try {
      first = JSON.parse(head.slice(m[0].length, nl));
    } catch {
      return true;
    }
    if (!Array.isArray(first)) return false;
    // `[]` and a newline, nothing after it: an export of no records (it was one reject, "not a
    // JSON object", where `[]` without the newline said "no data rows"; found by review).
    if (first.length === 0 && head.slice(nl).trim() === '') return true;
    return first.some((e) => e !== null && typeof e === 'object' && !Array.isArray(e));
  }

  private emit(text: string, at: number, start: number): void {
    this.pieces.push(text.slice(start, at));
    const element = this.pieces.join('').trimEnd();
    this.pieces = [];
    const line = this.elementLine;
    this.elementLine = 0;
    this.onElement(element, line);
  }

  push(text: string): void {
    let start = this.elementLine > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92) this.escaped = true;
        else if (c === 34) this.inString = false;
        continue;
      }
      const blank = c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff;
      if (this.ended) {
        if (!blank && this.trailing === undefined) this.trailing = { line: this.line, text: text.slice(i, i + 40) };
        continue;
      }
      if (!this.started) {
        if (c === 91) {
          this.started = true;
          this.depth = 1;
        }
        continue;
      }
      if (this.elementLine === 0) {
        if (blank) continue;
        if (this.depth === 1 && (c === 44 || c === 93)) {
          // `,,`, `[,` or `,]`: an element with nothing in it (not after `[` alone: `[]` is an empty array).
          if (c === 44 || this.afterComma) this.onElement('', this.line);
          this.afterComma = c === 44;
          if (c === 93) {
            this.ended = true;
            this.depth = 0;
          }
          continue;
        }
        this.elementLine = this.line;
        start = i;
      }
      if (c === 34) this.inString = true;
      else if (c === 91 || c === 123) this.depth++;
      else if ((c === 93 || c === 125) && this.depth > 1) this.depth--;
      else if (this.depth === 1 && (c === 44 || c === 93)) {
        this.emit(text, i, start);
        start = -1;
        this.afterComma = c === 44;
        if (c === 93) {
          this.ended = true;
          this.depth = 0;
        }
      }
    }
    if (this.elementLine > 0 && start >= 0) this.pieces.push(text.slice(start));
  }

  /** Whether the text so far opened the array and did not close it (at its end: a cut file), and the line it stopped on. */
  get unclosed(): { line: number } | undefined {
    return this.started && !this.ended ? { line: this.line } : undefined;
  }

  /** The end of the text: an element still open is handed over as it is. */
  end(): void {
    if (this.elementLine > 0) this.emit('', 0, 0);
  }
}

/**
 * Locates a JSON syntax error as a line and column, without quoting the text around it (a config
 * file may hold secrets, and V8's messages sometimes include a snippet of the input).
 *
 * @module
 */

/** Where and why a JSON text failed to parse. */
export interface JsonErrorLocation {
  /** 1-based line of the error. */
  line: number;
  /** 1-based column of the error. */
  column: number;
  /** Short reason without any input text, e.g. `expected ',' or '}' after property value`. */
  reason: string;
}

/**
 * Describes the error `JSON.parse(text)` threw: the position V8 reports when it has one, else the
 * first error found by a small scanner.
 *
 * @example
 * ```ts
 * try { JSON.parse('{"a": 1,}'); } catch (e) { locateJsonError('{"a": 1,}', e); } // line 1, column 9
 * ```
 */
export function locateJsonError(text: string, error: unknown): JsonErrorLocation {
  const message = error instanceof Error ? error.message : String(error);
  const match = / at position (\d+)/.exec(message);
  const offset = match ? Number(match[1]) : findJsonErrorOffset(text);
  const reason = safeReason(message);
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1, reason };
}

/**
 * V8's reason without any quoted input: its messages may end with a snippet of the text
 * (`Unexpected token 'o', ..."_token": tok_SE"... is not valid JSON`), so only known shapes pass.
 */
function safeReason(message: string): string {
  if (message.startsWith("Unexpected token")) return "unexpected token";
  const at = message.search(/ (?:in JSON )?at position \d/);
  if (at > 0) return message.slice(0, at).replace(/^./, (c) => c.toLowerCase());
  if (message === "Unexpected end of JSON input") return "unexpected end of JSON input";
  return "syntax error";
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Offset of the first syntax error in `text`, or `text.length` when none is found. */
export function findJsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail();
    i++;
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') return void i++;
      if (c === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail();
      } else if (c.charCodeAt(0) < 0x20) fail();
      i++;
    }
    fail();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) return void i++;
      while (true) {
        if (c === "{") {
          ws();
          string();
          expect(":");
        }
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === close) return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, i)) return void (i += literal.length);
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.exec(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (e) {
    if (e instanceof SyntaxAt) return e.offset;
    throw e;
  }
}

class SyntaxAt {
  constructor(readonly offset: number) {}
}

/**
 * One HTTP/1.1 connection: writes a request whole (with `Content-Length`), reads its response whole
 * (by length, chunked, or to the close), and, while it waits idle in a pool, notices the server
 * closing it. It never sends a request twice: a request whose connection fails after it was written
 * rejects with {@linkcode AfterSendError}. Requests come as bytes (`request_bytes.ts`).
 *
 * @module
 */
import { encodeRequest, type Http1Request } from "./request_bytes.ts";
import {
  assertHttpStart,
  bodyFraming,
  headEnd,
  keepAlive,
  parseResponseHead,
  ProtocolError,
  type ResponseHead,
} from "./response_head.ts";

const DECODER = new TextDecoder();

/** A response head over 64 KiB is not a vault answer. */
const MAX_HEAD_BYTES = 65_536;

/** A whole response, and whether its connection may carry another request. */
export interface Http1Response {
  /** HTTP status code. */
  status: number;
  /** Header fields, names in lower case. */
  headers: Record<string, string>;
  /** The body; `null` for 204, 205 and 304. */
  body: Uint8Array<ArrayBuffer> | null;
  /** True when the connection can go back to the pool. */
  reusable: boolean;
  /** How long the server keeps the connection idle (its `Keep-Alive: timeout`), when it said. */
  serverTimeoutMs?: number;
}

/**
 * The connection failed or closed after the request was (maybe partly) written and before its whole
 * response arrived: the server may have applied it.
 */
export class AfterSendError extends Error {
  /**
   * Creates the error.
   *
   * @param message what happened (`other side closed`, …).
   * @param cause the underlying error, when there was one.
   */
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "AfterSendError";
  }
}

/** An open HTTP/1.1 connection (TCP, TLS, or a tunnel through a proxy). */
export class Http1Connection {
  readonly #conn: Deno.Conn;
  #buf = new Uint8Array(32_768);
  /** The buffer the last request was encoded into, reused by the next. */
  #out: Uint8Array<ArrayBuffer> | undefined;
  #start = 0;
  #end = 0;
  /** A read started while idle; the next fill takes its result. */
  #pending: Promise<number | null> | undefined;
  #idle = false;
  #closed = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Wraps an open connection.
   *
   * @param conn the transport, already connected (and its TLS handshake done).
   */
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Closes the transport (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  /**
   * Parks the connection idle: it closes itself after `timeoutMs`, or when the server closes it or
   * sends anything unasked, and then calls `onGone` (the pool drops it).
   */
  park(timeoutMs: number, onGone: () => void): void {
    this.#idle = true;
    this.#start = this.#end = 0;
    const gone = () => {
      if (!this.#idle) return;
      this.#idle = false;
      this.close();
      onGone();
    };
    this.#conn.unref(); // an idle connection does not keep the process alive
    const read = this.#conn.read(this.#buf);
    this.#pending = read;
    read.then(gone, gone);
    const timer = setTimeout(gone, timeoutMs);
    Deno.unrefTimer(timer as unknown as number);
    this.#idleTimer = timer;
  }

  /** Takes the connection out of idleness for a request; false when it is closed. */
  claim(): boolean {
    this.#idle = false;
    clearTimeout(this.#idleTimer);
    if (this.#closed) return false;
    this.#conn.ref();
    return true;
  }

  /**
   * Writes one request and reads its whole response. An abort closes the connection and rejects
   * with the signal's reason; any other failure rejects with {@linkcode AfterSendError} and leaves
   * the connection closed.
   */
  async exchange(request: Http1Request, signal?: AbortSignal): Promise<Http1Response> {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = encodeRequest(request, this.#out);
    } catch (error) {
      this.close(); // nothing was sent; the connection is not left unowned
      throw error;
    }
    if (this.#out === undefined || bytes.buffer.byteLength > this.#out.byteLength) {
      this.#out = new Uint8Array(bytes.buffer);
    }
    const method = request.method;
    const onAbort = () => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await writeAll(this.#conn, bytes);
      let head: ResponseHead;
      do head = await this.#readHead(); while (
        head.status >= 100 && head.status < 200 && head.status !== 101
      );
      if (head.status === 101) throw new ProtocolError("unexpected 101 Switching Protocols");
      const framing = bodyFraming(method, head);
      let body: Uint8Array<ArrayBuffer> | null = null;
      if (framing.kind === "length") body = await this.#readLength(framing.length);
      else if (framing.kind === "chunked") body = await this.#readChunked();
      else if (framing.kind === "close") body = await this.#readToClose();
      const empty = head.status === 204 || head.status === 205 || head.status === 304;
      const alive = keepAlive(head);
      const reusable = alive.reusable && framing.kind !== "close" && this.#start === this.#end &&
        !this.#closed;
      if (!reusable) this.close();
      return {
        status: head.status,
        headers: head.headers,
        body: empty ? null : body ?? new Uint8Array(0),
        reusable,
        serverTimeoutMs: alive.serverTimeoutMs,
      };
    } catch (error) {
      this.close();
      if (signal?.aborted) throw signal.reason;
      if (error instanceof AfterSendError) throw error;
      throw new AfterSendError(error instanceof Error ? error.message : String(error), error);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Reads more bytes into the buffer (growing or compacting it first when full); false at the end. */
  async #fill(): Promise<boolean> {
    let read = this.#pending;
    this.#pending = undefined;
    if (read === undefined) {
      if (this.#end === this.#buf.length) {
        if (this.#start > 0) {
          this.#buf.copyWithin(0, this.#start, this.#end);
          this.#end -= this.#start;
          this.#start = 0;
        } else {
          const bigger = new Uint8Array(this.#buf.length * 2);
          bigger.set(this.#buf);
          this.#buf = bigger;
        }
      }
      read = this.#conn.read(this.#buf.subarray(this.#end));
    }
    const n = await read;
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  async #readHead(): Promise<ResponseHead> {
    let scanned = 0; // bytes after #start already searched (less the 3 a split "\r\n\r\n" may need)
    while (true) {
      const end = headEnd(this.#buf, this.#start + scanned, this.#end);
      if (end >= 0) {
        const head = parseResponseHead(this.#buf.subarray(this.#start, end));
        this.#start = end;
        return head;
      }
      assertHttpStart(this.#buf.subarray(this.#start, Math.min(this.#end, this.#start + 5)));
      scanned = Math.max(0, this.#end - this.#start - 3);
      if (this.#end - this.#start > MAX_HEAD_BYTES) throw new ProtocolError("response head too large");
      if (!await this.#fill()) {
        throw new AfterSendError(
          this.#end > this.#start ? "other side closed mid-answer" : "other side closed",
        );
      }
    }
  }

  async #readLength(length: number): Promise<Uint8Array<ArrayBuffer>> {
    const body = new Uint8Array(length);
    let have = Math.min(length, this.#end - this.#start);
    body.set(this.#buf.subarray(this.#start, this.#start + have));
    this.#start += have;
    while (have < length) {
      const n = await this.#conn.read(body.subarray(have));
      if (n === null) throw new AfterSendError("other side closed mid-answer");
      have += n;
    }
    return body;
  }

  async #ensure(bytes: number): Promise<void> {
    while (this.#end - this.#start < bytes) {
      if (!await this.#fill()) throw new AfterSendError("other side closed mid-answer");
    }
  }

  async #readLine(): Promise<string> {
    while (true) {
      for (let i = this.#start + 1; i < this.#end; i++) {
        if (this.#buf[i] === 10 && this.#buf[i - 1] === 13) {
          const line = DECODER.decode(this.#buf.subarray(this.#start, i - 1));
          this.#start = i + 1;
          return line;
        }
      }
      if (this.#end - this.#start > MAX_HEAD_BYTES) throw new ProtocolError("chunk line too long");
      if (!await this.#fill()) throw new AfterSendError("other side closed mid-answer");
    }
  }

  async #readChunked(): Promise<Uint8Array<ArrayBuffer>> {
    const parts: Uint8Array[] = [];
    while (true) {
      const sizeText = (await this.#readLine()).split(";")[0].trim();
      if (!/^[0-9a-f]{1,12}$/i.test(sizeText)) throw new ProtocolError("invalid chunk size");
      const size = parseInt(sizeText, 16);
      if (size === 0) break;
      await this.#ensure(size + 2);
      parts.push(this.#buf.slice(this.#start, this.#start + size));
      if (this.#buf[this.#start + size] !== 13 || this.#buf[this.#start + size + 1] !== 10) {
        throw new ProtocolError("invalid chunk end");
      }
      this.#start += size + 2;
    }
    while ((await this.#readLine()) !== ""); // trailer fields, ignored
    return concat(parts);
  }

  async #readToClose(): Promise<Uint8Array<ArrayBuffer>> {
    const parts: Uint8Array[] = [this.#buf.slice(this.#start, this.#end)];
    this.#start = this.#end = 0;
    while (true) {
      const chunk = new Uint8Array(65_536);
      const n = await this.#conn.read(chunk);
      if (n === null) break;
      parts.push(chunk.subarray(0, n));
    }
    this.close();
    return concat(parts);
  }
}

/** Writes all of `bytes` to `conn` (a write may take only part of them). */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength;) at += await conn.write(bytes.subarray(at));
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/**
 * A raw HTTP/1.1 server for client tests: it reads each request whole (by Content-Length) and
 * answers the bytes a handler returns, so a test controls framing, keep-alive and closes exactly.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One request as the server read it. */
export interface RawRequest {
  /** The request line (`POST /x HTTP/1.1`). */
  line: string;
  /** Header fields, names in lower case. */
  headers: Record<string, string>;
  /** The body text. */
  body: string;
  /** Which connection (0, 1, …) carried it. */
  connection: number;
}

/** What the handler wants sent: bytes (or text), and whether to close the connection after them. */
export interface RawReply {
  /** Sent as is. */
  bytes: string | Uint8Array;
  /** Close the connection after writing (or, with no bytes, without answering). @default false */
  close?: boolean;
}

/** A running raw server. */
export interface RawServer {
  /** Its port on 127.0.0.1. */
  port: number;
  /** Every request read so far. */
  requests: RawRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Stops listening and closes every connection. */
  close(): void;
}

/** Starts a raw server on 127.0.0.1 whose `handler` answers each request. */
export function rawServer(handler: (request: RawRequest) => RawReply | Promise<RawReply>): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const requests: RawRequest[] = [];
  const open: Deno.Conn[] = [];
  let accepted = 0;
  (async () => {
    for await (const conn of listener) {
      const index = accepted++;
      open.push(conn);
      serve(conn, index).catch(() => {});
    }
  })().catch(() => {});
  async function serve(conn: Deno.Conn, connection: number): Promise<void> {
    const chunk = new Uint8Array(65_536);
    let buffered = new Uint8Array(0);
    while (true) {
      const end = indexOfBlankLine(buffered);
      if (end >= 0) {
        const [line, ...fields] = decoder.decode(buffered.subarray(0, end)).split("\r\n");
        const headers: Record<string, string> = {};
        for (const field of fields) {
          const colon = field.indexOf(":");
          headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
        }
        const length = Number(headers["content-length"] ?? 0);
        if (buffered.length >= end + 4 + length) {
          const body = decoder.decode(buffered.subarray(end + 4, end + 4 + length));
          buffered = buffered.slice(end + 4 + length);
          const request = { line, headers, body, connection };
          requests.push(request);
          const reply = await handler(request);
          const bytes = typeof reply.bytes === "string" ? encoder.encode(reply.bytes) : reply.bytes;
          if (bytes.length > 0) await writeAll(conn, bytes);
          if (reply.close) {
            conn.close();
            return;
          }
          continue;
        }
      }
      const n = await conn.read(chunk);
      if (n === null) return;
      const more = new Uint8Array(buffered.length + n);
      more.set(buffered);
      more.set(chunk.subarray(0, n), buffered.length);
      buffered = more;
    }
  }
  return {
    port: (listener.addr as Deno.NetAddr).port,
    requests,
    connections: () => accepted,
    close: () => closeAll(listener, open),
  };
}

/** A complete `200` answer with a Content-Length body. */
export function ok(body: string, extra = ""): string {
  return `HTTP/1.1 200 OK\r\ncontent-length: ${encoder.encode(body).length}\r\n${extra}\r\n${body}`;
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) return i - 3;
  }
  return -1;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Stops `listener` and closes every connection in `conns` (some may be closed already). */
export function closeAll(listener: Deno.Listener, conns: readonly Deno.Conn[]): void {
  listener.close();
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

// HTTP/1.1 over a bare TCP socket: the request target and headers go on the wire exactly as written, so nothing
// (URL parsing, fetch, node:http) normalises an odd spelling before the server sees it.
import net from 'node:net';

export interface RawAnswer {
  /** 0: the server sent no status line before the socket closed or the time ran out. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body's bytes as sent (de-chunked, never decompressed). */
  bytes: Buffer;
  /** The body parsed as JSON, or undefined. */
  json: unknown;
}

export function rawRequest(
  port: number,
  o: { method?: string; target: string; headers?: Record<string, string>; body?: string; host?: string; timeoutMs?: number },
): Promise<RawAnswer> {
  const method = o.method ?? 'GET';
  const headers: Record<string, string> = { Host: o.host ?? `127.0.0.1:${port}`, Connection: 'close', ...o.headers };
  if (o.body !== undefined) {
    headers['Content-Length'] = String(Buffer.byteLength(o.body));
    headers['Content-Type'] ??= 'application/json';
  }
  const head = `${method} ${o.target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    // No answer at all (a hijacked reply that never flushes) comes back as status 0.
    socket.setTimeout(o.timeoutMs ?? 15_000, () => socket.destroy());
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // A stream (Server-Sent Events) never ends by itself, and a HEAD answer has no body: the head is the answer.
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0 && (method === 'HEAD' || /content-type:\s*text\/event-stream/i.test(all.subarray(0, end).toString('latin1')))) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = all.subarray(0, end >= 0 ? end : all.length).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const out: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) out[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      let bytes: Buffer = end >= 0 ? all.subarray(end + 4) : Buffer.alloc(0);
      if (/chunked/i.test(out['transfer-encoding'] ?? '')) bytes = unchunk(bytes);
      const body = bytes.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      resolve({ status, headers: out, body, bytes, json });
    });
    socket.write(head + (o.body ?? ''));
  });
}

function unchunk(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let rest = bytes;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) return Buffer.concat(out);
    const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
    if (!size) return Buffer.concat(out);
    out.push(rest.subarray(nl + 2, nl + 2 + size));
    rest = rest.subarray(nl + 2 + size + 2);
  }
}

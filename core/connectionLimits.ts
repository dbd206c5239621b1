// Limits on the connections of the integrator's HTTP servers (admin API, pricing listener, ERP listener), so idle or
// slow clients cannot hold the process's sockets: a connection cap, a keep-alive timeout, requests per connection,
// and deadlines for a request's headers and for the whole request.
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections at most; a connection beyond it is closed as soon as it is accepted. */
  maxConnections: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Requests answered on one connection; the last answer closes it. */
  maxRequestsPerSocket: number;
  /** A new connection must have sent its request headers within this long (408 otherwise). */
  headersTimeoutMs: number;
  /** A whole request, body included, must have arrived within this long (408 otherwise). */
  requestTimeoutMs: number;
}

/** The admin API: one admin's browser tabs and the tray. */
export const ADMIN_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 64,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 1_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** The pricing and ERP listeners: web servers that keep pools of connections and send many requests on each. */
export const LISTENER_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1_024,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** The fastify options that carry the limits; the rest is set on the server by applyConnectionLimits. */
export function connectionOptions(l: ConnectionLimits): { keepAliveTimeout: number; maxRequestsPerSocket: number; requestTimeout: number; http: ServerOptions } {
  const requestTimeout = Math.max(l.requestTimeoutMs, l.headersTimeoutMs);
  return {
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxRequestsPerSocket: l.maxRequestsPerSocket,
    requestTimeout,
    http: {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout,
      // The deadlines are checked this often (Node's default, 30 s, would hold an idle connection that much longer).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(l.headersTimeoutMs / 4))),
    },
  };
}

/**
 * The connection cap, and the headers deadline for a connection that has sent nothing yet (Node's own deadline only
 * starts with a request's first byte). From its first request on, a connection follows Node's deadlines and the
 * keep-alive timeout.
 */
export function applyConnectionLimits(server: Server, l: ConnectionLimits): void {
  server.maxConnections = l.maxConnections;
  server.on('connection', (socket: Socket) => socket.setTimeout(l.headersTimeoutMs));
  server.on('request', (req: { socket: Socket }) => req.socket.setTimeout(0));
}

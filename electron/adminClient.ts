// The tray menu's calls to the core: the same admin API the UI uses, with the per-install token.
import type { StatusLike } from './trayState.js';

export interface AdminClient {
  token: string;
  baseUrl: string;
  /** The status, or null when the core does not answer. */
  status(): Promise<StatusLike | null>;
  runEvent(event: string, all?: boolean): Promise<{ accepted: boolean; message: string }>;
  /** The core's answer. */
  restart(): Promise<string>;
  exportLogs(): Promise<{ data: Buffer; filename: string }>;
}

export function createAdminClient(o: { baseUrl: string; token: string; fetch?: typeof fetch }): AdminClient {
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/$/, '');
  async function call(route: string, init: RequestInit = {}): Promise<Response> {
    return doFetch(`${base}${route}`, { ...init, headers: { Authorization: `Bearer ${o.token}`, ...((init.headers as Record<string, string>) ?? {}) } });
  }
  async function errorOf(res: Response): Promise<string> {
    try {
      const body = (await res.json()) as { error?: string; message?: string };
      return body.error ?? body.message ?? `${res.status} ${res.statusText}`;
    } catch {
      return `${res.status} ${res.statusText}`;
    }
  }
  return {
    token: o.token,
    baseUrl: base,
    async status() {
      try {
        const res = await call('/api/status');
        return res.ok ? ((await res.json()) as StatusLike) : null;
      } catch {
        return null;
      }
    },
    async runEvent(event, all = false) {
      const res = await call(`/api/events/${encodeURIComponent(event)}/run${all ? '?all=1' : ''}`, { method: 'POST' });
      if (res.ok || res.status === 409) return (await res.json()) as { accepted: boolean; message: string };
      throw new Error(await errorOf(res));
    },
    async restart() {
      const res = await call('/api/restart', { method: 'POST' });
      if (!res.ok) throw new Error(await errorOf(res));
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      return body.message ?? 'restarting';
    },
    async exportLogs() {
      const res = await call('/api/logs/export');
      if (!res.ok) throw new Error(await errorOf(res));
      const match = /filename="?([^";]+)"?/i.exec(res.headers.get('content-disposition') ?? '');
      return { data: Buffer.from(await res.arrayBuffer()), filename: match?.[1] ?? 'integrator-logs.zip' };
    },
  };
}

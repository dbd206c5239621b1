// The tray menu's calls to the core: the same admin API the UI uses, with the per-install token.

/**
 * @param {{ baseUrl: string, token: string, fetch?: typeof fetch }} o
 */
export function createAdminClient(o) {
  const doFetch = o.fetch ?? fetch;
  const base = o.baseUrl.replace(/\/$/, '');
  /** @param {string} route @param {RequestInit} [init] */
  async function call(route, init = {}) {
    const res = await doFetch(`${base}${route}`, { ...init, headers: { Authorization: `Bearer ${o.token}`, ...(init.headers ?? {}) } });
    return res;
  }
  /** @param {Response} res */
  async function errorOf(res) {
    try {
      const body = /** @type {{ error?: string, message?: string }} */ (await res.json());
      return body.error ?? body.message ?? `${res.status} ${res.statusText}`;
    } catch {
      return `${res.status} ${res.statusText}`;
    }
  }
  return {
    token: o.token,
    /** @returns {Promise<any>} the status, or null when the core does not answer */
    async status() {
      try {
        const res = await call('/api/status');
        return res.ok ? await res.json() : null;
      } catch {
        return null;
      }
    },
    /** @param {string} event @param {boolean} [all] @returns {Promise<{ accepted: boolean, message: string }>} */
    async runEvent(event, all = false) {
      const res = await call(`/api/events/${encodeURIComponent(event)}/run${all ? '?all=1' : ''}`, { method: 'POST' });
      if (res.ok || res.status === 409) return /** @type {{ accepted: boolean, message: string }} */ (await res.json());
      throw new Error(await errorOf(res));
    },
    /** @returns {Promise<string>} the core's answer */
    async restart() {
      const res = await call('/api/restart', { method: 'POST' });
      if (!res.ok) throw new Error(await errorOf(res));
      const body = /** @type {{ message?: string }} */ (await res.json().catch(() => ({})));
      return body.message ?? 'restarting';
    },
    /** @returns {Promise<{ data: Buffer, filename: string }>} */
    async exportLogs() {
      const res = await call('/api/logs/export');
      if (!res.ok) throw new Error(await errorOf(res));
      const match = /filename="?([^";]+)"?/i.exec(res.headers.get('content-disposition') ?? '');
      return { data: Buffer.from(await res.arrayBuffer()), filename: match?.[1] ?? 'integrator-logs.zip' };
    },
  };
}

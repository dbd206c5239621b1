// One store for what every tab shares: the connection, the integrator status and the run history.
// Tab-local form state stays in the tabs.
import { create } from 'zustand';
import type { RunRecord } from '../../core/contracts/events.js';
import type { FirstRunStatus } from '../../core/contracts/firstRun.js';
import { ApiError, createApi, type Api, type UiStatus } from './api.js';

export type Status = UiStatus;
export const TABS = ['Status', 'Advanced', 'Customers', 'Pricing', 'Logs'] as const;
export type Tab = (typeof TABS)[number];
export type Connection = 'loading' | 'ok' | 'unauthorized' | 'unreachable' | 'error';
export type NoticeTone = 'ok' | 'bad' | 'info' | 'warn';

export interface AppState {
  api: Api;
  token: string | null;
  /** In the tray app's window: the shell authorises the page's requests, the page holds no token. */
  shell: boolean;
  /** The first-run page of a fresh install, while it is pending (null until asked). */
  firstRun: FirstRunStatus | null;
  tab: Tab;
  connection: Connection;
  connectionError: string | null;
  status: Status | null;
  runs: RunRecord[];
  runsError: string | null;
  /** The live progress stream is open: progress arrives as it happens, polling can be slow. */
  streaming: boolean;
  notice: { tone: NoticeTone; text: string; at: number } | null;
  setToken(token: string | null, shell?: boolean): void;
  setFirstRun(firstRun: FirstRunStatus): void;
  setTab(tab: Tab): void;
  refresh(): Promise<void>;
  notify(tone: NoticeTone, text: string): void;
  clearNotice(): void;
  /** Progress from the live stream, between two status polls. */
  setProgress(progress: Status['progress']): void;
  /** Handles an error from any call: 401 and unreachable switch the whole page; others return the message. */
  failure(err: unknown): string;
}

export const useApp = create<AppState>()((set, get) => ({
  api: createApi({ token: null }),
  token: null,
  shell: false,
  firstRun: null,
  tab: 'Status',
  connection: 'loading',
  connectionError: null,
  status: null,
  runs: [],
  runsError: null,
  streaming: false,
  notice: null,
  setToken: (token, shell = false) => set({ token, shell, api: createApi({ token }), connection: token || shell ? 'loading' : 'unauthorized' }),
  setFirstRun: (firstRun) => set({ firstRun }),
  // A notice answers something done on the tab it was shown on: it does not follow the admin to another tab.
  setTab: (tab) => set((s) => (s.tab === tab ? {} : { tab, notice: null })),
  notify: (tone, text) => set({ notice: { tone, text, at: Date.now() } }),
  clearNotice: () => set({ notice: null }),
  setProgress: (progress) => set((s) => (s.status ? { status: { ...s.status, progress } } : {})),
  failure: (err) => {
    if (err instanceof ApiError && err.unauthorized) set({ connection: 'unauthorized', connectionError: err.message });
    else if (err instanceof ApiError && err.unreachable) set({ connection: 'unreachable', connectionError: err.message });
    return err instanceof Error ? err.message : String(err);
  },
  refresh: async () => {
    const { api, token, shell } = get();
    if (!token && !shell) {
      set({ connection: 'unauthorized' });
      return;
    }
    try {
      const status = await api.status();
      set({ status, connection: 'ok', connectionError: null });
      if (get().firstRun === null) {
        // An integrator without the first-run route has no first run pending.
        const firstRun = await api.firstRun().catch(() => ({ pending: false, erpDsn: '', webDsn: '' }));
        set({ firstRun });
      }
    } catch (err) {
      const message = get().failure(err);
      if (get().connection === 'ok' || get().connection === 'loading') set({ connection: 'error', connectionError: message });
      return;
    }
    try {
      const { runs } = await api.runs(50);
      set({ runs, runsError: null });
    } catch (err) {
      set({ runsError: get().failure(err) });
    }
  },
}));

/** How long a notice stays on its own: confirmations fade after a few seconds; warnings and errors wait to be read. */
export function noticeLifetimeMs(tone: NoticeTone): number | null {
  return tone === 'ok' || tone === 'info' ? 5000 : null;
}

/**
 * Poll faster while something is moving, so progress bars feel live without hammering an idle integrator. While
 * the progress stream is open it carries the progress, and polling stays slow.
 */
export function pollInterval(status: Status | null, streaming = false): number {
  if (!status) return 2000;
  const busy = status.progress.length > 0 || status.events.some((e) => e.running) || status.state !== 'running';
  return busy && !streaming ? 700 : 2500;
}

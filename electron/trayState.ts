// The tray icon's state from the admin API status: red when the admin needs to look (a database away, the
// last run of an event failed, the core gone), blue while something runs, otherwise idle.

export type TrayState = 'idle' | 'running' | 'error';

export interface StatusLike {
  state: string;
  erp: { ok: boolean; error: string | null };
  web: { ok: boolean; error: string | null };
  restartRequired: boolean;
  events: Array<{ label: string; running: boolean; lastRun: { status: string; error: string | null } | null }>;
  progress: unknown[];
}

export interface TrayView {
  state: TrayState;
  tooltip: string;
}

/**
 * @param status the last status, or null when the admin API did not answer
 * @param core whether the core runs, and what went wrong with it
 */
export function trayStateFromStatus(status: StatusLike | null, core: { coreRunning: boolean; problem?: string | null }): TrayView {
  if (!core.coreRunning) return { state: 'error', tooltip: truncate(`Integrator: stopped${core.problem ? ` (${core.problem})` : ''}`) };
  if (!status) return { state: 'error', tooltip: truncate(`Integrator: not answering${core.problem ? ` (${core.problem})` : ''}`) };
  const problems: string[] = [];
  if (!status.erp.ok) problems.push(`ERP unreachable${status.erp.error ? `: ${status.erp.error}` : ''}`);
  if (!status.web.ok) problems.push(`web store unreachable${status.web.error ? `: ${status.web.error}` : ''}`);
  for (const e of status.events) if (!e.running && e.lastRun?.status === 'Failed') problems.push(`${e.label} failed${e.lastRun.error ? `: ${e.lastRun.error}` : ''}`);
  if (problems.length) return { state: 'error', tooltip: truncate(`Integrator: ${problems.join('; ')}`) };
  const running = status.events.filter((e) => e.running).map((e) => e.label);
  const restart = status.restartRequired ? ' · restart required' : '';
  if (running.length) return { state: 'running', tooltip: truncate(`Integrator: running ${running.join(', ')}${restart}`) };
  if (status.state !== 'running') return { state: 'running', tooltip: `Integrator: ${status.state}${restart}` };
  return { state: 'idle', tooltip: `Integrator: idle${restart}` };
}

/** Windows cuts tray tooltips at 127 characters. */
export function truncate(text: string, max = 127): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

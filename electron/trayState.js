// The tray icon's state from the admin API status: red when the admin needs to look (a database away, the
// last run of an event failed, the core gone), blue while something runs, otherwise idle.

/** @typedef {'idle' | 'running' | 'error'} TrayState */

/**
 * @typedef {object} StatusLike
 * @property {string} state
 * @property {{ ok: boolean, error: string | null }} erp
 * @property {{ ok: boolean, error: string | null }} web
 * @property {boolean} restartRequired
 * @property {Array<{ label: string, running: boolean, lastRun: { status: string, error: string | null } | null }>} events
 * @property {unknown[]} progress
 */

/**
 * @param {StatusLike | null} status the last status, or null when the admin API did not answer
 * @param {{ coreRunning: boolean, problem?: string | null }} core
 * @returns {{ state: TrayState, tooltip: string }}
 */
export function trayStateFromStatus(status, core) {
  if (!core.coreRunning) return { state: 'error', tooltip: `Integrator: stopped${core.problem ? ` (${core.problem})` : ''}` };
  if (!status) return { state: 'error', tooltip: `Integrator: not answering${core.problem ? ` (${core.problem})` : ''}` };
  const problems = [];
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
function truncate(/** @type {string} */ text) {
  return text.length > 127 ? `${text.slice(0, 126)}…` : text;
}

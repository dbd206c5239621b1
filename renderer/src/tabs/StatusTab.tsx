import { useEffect, useState } from 'react';
import type { EventName, RunRecord } from '../../../core/contracts/events.js';
import { EVENT_LABELS } from '../../../core/contracts/events.js';
import { Badge, Dot, Empty, ProgressBar, Section } from '../components.js';
import { formatCount, formatTime, progressView, relativeTime, runDuration, runTone } from '../format.js';
import { useApp, type Status } from '../store.js';

/** Events where Send All means something (a full resend that also tidies what left the ERP). */
const SEND_ALL_EVENTS: ReadonlySet<string> = new Set(['customer-master', 'orders', 'statements']);

function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function SettingsProblem() {
  const status = useApp((s) => s.status);
  if (!status?.settingsError && !status?.restartError) return null;
  return (
    <div className="banner tone-bad" role="alert">
      <div>
        {status.settingsError && <div>The saved settings file has a problem: {status.settingsError}</div>}
        {status.restartError && <div>The last restart failed: {status.restartError}</div>}
      </div>
    </div>
  );
}

export function RestartBanner() {
  const status = useApp((s) => s.status);
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const notify = useApp((s) => s.notify);
  const refresh = useApp((s) => s.refresh);
  const [busy, setBusy] = useState(false);
  if (!status) return null;
  if (status.state === 'restarting') {
    return (
      <div className="banner tone-info" role="status" data-testid="restarting-banner">
        Restarting the integrator with the saved settings…
      </div>
    );
  }
  if (!status.restartRequired) return null;
  const restart = async () => {
    setBusy(true);
    try {
      await api.restart();
      notify('info', 'Restart requested: the integrator finishes the current batch, then starts again with the saved settings.');
      await refresh();
    } catch (err) {
      notify('bad', `Restart failed: ${failure(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="banner tone-warn" role="status" data-testid="restart-banner">
      <div>
        <strong>Restart required.</strong> Saved settings not yet in use:{' '}
        <span data-testid="pending-changes">{status.pendingChanges.map((k) => <code key={k}>{k}</code>)}</span>
        <div className="small muted">
          The running integrator keeps the settings it started with until it restarts
          {status.nightlyRestartAt ? ` (next nightly restart ${formatTime(status.nightlyRestartAt)})` : ''}.
        </div>
      </div>
      <button type="button" className="primary" onClick={restart} disabled={busy}>
        {busy ? 'Restarting…' : 'Restart now'}
      </button>
    </div>
  );
}

function Connections({ status }: { status: Status }) {
  const listener = (name: string, l: Status['pricingListener']) => (
    <div className="conn">
      <Dot tone={!l.enabled ? 'muted' : l.error ? 'bad' : 'ok'} />
      <div>
        <div className="conn-name">{name}</div>
        <div className="small muted">{!l.enabled ? 'off' : l.error ? l.error : (l.url ?? 'starting')}</div>
      </div>
    </div>
  );
  return (
    <Section title="Connections" id="connections">
      <div className="conn-grid">
        <div className="conn" data-testid="conn-erp">
          <Dot tone={status.erp.ok ? 'ok' : 'bad'} />
          <div>
            <div className="conn-name">ERP {status.erp.ok ? 'connected' : 'unreachable'}</div>
            <div className="small muted">{status.erp.error ?? status.erp.description}</div>
            {status.erp.checkedAt && <div className="small muted" data-testid="checked-erp">checked {formatTime(status.erp.checkedAt)}</div>}
          </div>
        </div>
        <div className="conn" data-testid="conn-web">
          <Dot tone={status.web.ok ? 'ok' : 'bad'} />
          <div>
            <div className="conn-name">Web store {status.web.ok ? 'connected' : 'unreachable'}</div>
            <div className="small muted">{status.web.error ?? status.web.description}</div>
            {status.web.checkedAt && <div className="small muted" data-testid="checked-web">checked {formatTime(status.web.checkedAt)}</div>}
          </div>
        </div>
        {listener('Pricing listener', status.pricingListener)}
        {listener('ERP listener', status.erpListener)}
      </div>
      <div className="small muted meta-line">
        Started {formatTime(status.startedAt)} · {status.foreground ? 'foreground mode' : 'background mode'}
        {status.nightlyRestartAt ? ` · nightly restart ${formatTime(status.nightlyRestartAt)}` : ''}
      </div>
    </Section>
  );
}

type CheckResult = Awaited<ReturnType<ReturnType<typeof useApp.getState>['api']['checkConfig']>>;

function ConfigCheck() {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const [result, setResult] = useState<CheckResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await api.checkConfig());
    } catch (err) {
      setResult(null);
      setError(failure(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section
      title="Configuration check"
      id="config-check"
      actions={
        <button type="button" className="small-btn" onClick={check} disabled={busy}>
          {busy ? 'Checking…' : result ? 'Check again' : 'Check configuration'}
        </button>
      }
    >
      {!result && !error && <div className="small muted">Checks the connections, customer class, guest customer, numbering sequences, filters and field mappings.</div>}
      {error && <div className="error-text small" data-testid="config-check-error">{error}</div>}
      {result && (
        <ul className="checks" data-testid="config-check">
          {result.items.map((i) => (
            <li key={i.item}>
              <Dot tone={!i.ok ? 'bad' : i.warning ? 'warn' : 'ok'} />
              <strong>{i.item}</strong> <span className={i.ok ? 'muted' : 'error-text'}>{i.message}</span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function RunStrip({ runs }: { runs: RunRecord[] }) {
  if (runs.length === 0) return <span className="small muted">no runs yet</span>;
  return (
    <span className="strip" aria-label="recent runs">
      {runs
        .slice(0, 12)
        .reverse()
        .map((r) => (
          <span key={r.id} className={`strip-cell tone-${runTone(r.status)}`} title={`#${r.id} ${r.status} ${formatTime(r.startedAt)}`} />
        ))}
    </span>
  );
}

function EventRow({ e, status, runs, now }: { e: Status['events'][number]; status: Status; runs: RunRecord[]; now: number }) {
  const api = useApp((s) => s.api);
  const notify = useApp((s) => s.notify);
  const failure = useApp((s) => s.failure);
  const refresh = useApp((s) => s.refresh);
  const [pending, setPending] = useState<null | 'changed' | 'all'>(null);
  const progress = status.progress.filter((p) => p.event === e.event);
  const mine = runs.filter((r) => r.event === e.event);
  const run = async (all: boolean) => {
    setPending(all ? 'all' : 'changed');
    try {
      const res = await api.runEvent(e.event as EventName, all);
      notify(res.accepted ? 'info' : 'warn', res.message);
      await refresh();
    } catch (err) {
      notify('bad', `${e.label}: ${failure(err)}`);
    } finally {
      setPending(null);
    }
  };
  // A run started by another event (conversions after Customer Master) is in the history, not in the worker's lastRun.
  const last = e.lastRun ?? mine.find((r) => r.status !== 'Running') ?? null;
  const available = e.available !== false;
  const canRun = status.state === 'running' && available;
  return (
    <div className={`event${e.running ? ' is-running' : ''}`} data-testid={`event-${e.event}`}>
      <div className="event-main">
        <div className="event-title">
          <h3>{e.label || EVENT_LABELS[e.event as EventName]}</h3>
          {!available ? (
            <Badge tone="muted">not available in this edition</Badge>
          ) : e.running ? (
            <Badge tone="info">running</Badge>
          ) : last ? (
            <Badge tone={runTone(last.status)}>{last.status}</Badge>
          ) : (
            <Badge tone="muted">never run</Badge>
          )}
        </div>
        <dl className="event-facts">
          <div>
            <dt>Schedule</dt>
            <dd>{e.schedule || 'off'}</dd>
          </div>
          <div>
            <dt>Last run</dt>
            <dd>
              {last ? (
                <span title={formatTime(last.startedAt)}>
                  {relativeTime(last.finishedAt ?? last.startedAt, now)} · {last.mode} · {formatCount(last.written)} written
                  {last.failed ? ` · ${formatCount(last.failed)} failed` : ''}
                </span>
              ) : (
                '—'
              )}
            </dd>
          </div>
          <div>
            <dt>Next run</dt>
            <dd title={formatTime(e.nextRunAt)}>{e.nextRunAt ? `${relativeTime(e.nextRunAt, now)} (${formatTime(e.nextRunAt)})` : 'not scheduled'}</dd>
          </div>
          <div>
            <dt>History</dt>
            <dd>
              <RunStrip runs={mine} />
            </dd>
          </div>
        </dl>
        {(e.lastError ?? (last?.status === 'Failed' ? last.error : null)) && (
          <div className="error-text small">
            Last error: {e.lastError ?? last?.error}
            {e.retryAt ? ` · retrying ${relativeTime(e.retryAt, now)}` : ''}
          </div>
        )}
        {progress.map((p) => {
          const v = progressView(p, now);
          return (
            <div key={`${p.runId}-${p.phase}`} className="event-progress" data-testid={`progress-${e.event}`}>
              <div className="small">
                Run #{p.runId ?? '…'} · {p.phase}
              </div>
              <ProgressBar fraction={v.fraction} label={v.label} />
            </div>
          );
        })}
      </div>
      <div className="event-actions">
        <button type="button" onClick={() => run(false)} disabled={!canRun || e.running || pending !== null} title="Send what changed since the last run">
          {pending === 'changed' ? 'Starting…' : SEND_ALL_EVENTS.has(e.event) ? 'Send Changed' : 'Run now'}
        </button>
        {SEND_ALL_EVENTS.has(e.event) && (
          <button type="button" onClick={() => run(true)} disabled={!canRun || e.running || pending !== null} title="Send every record">
            {pending === 'all' ? 'Starting…' : 'Send All'}
          </button>
        )}
      </div>
    </div>
  );
}

function RunHistory({ runs, now, error }: { runs: RunRecord[]; now: number; error: string | null }) {
  return (
    <Section title="Run history" id="run-history">
      {error && <div className="error-text">Could not load the run history: {error}</div>}
      {runs.length === 0 ? (
        <Empty>No runs yet. Runs appear here as the schedules fire, or use Send Changed above.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="run-history">
            <thead>
              <tr>
                <th>#</th>
                <th>Event</th>
                <th>Mode</th>
                <th>Status</th>
                <th>Started</th>
                <th>Took</th>
                <th className="num">Read</th>
                <th className="num">Written</th>
                <th className="num">Skipped</th>
                <th className="num">Failed</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} className={`row-${runTone(r.status)}`}>
                  <td className="muted">{r.id}</td>
                  <td>{EVENT_LABELS[r.event as EventName] ?? r.event}</td>
                  <td>{r.mode}</td>
                  <td>
                    <Badge tone={runTone(r.status)}>{r.status}</Badge>
                  </td>
                  <td title={r.startedAt}>{formatTime(r.startedAt)}</td>
                  <td>{runDuration(r, now)}</td>
                  <td className="num">{formatCount(r.read)}</td>
                  <td className="num">{formatCount(r.written)}</td>
                  <td className="num">{formatCount(r.skipped)}</td>
                  <td className="num">{formatCount(r.failed)}</td>
                  <td className="error-text small clip" title={r.error ?? ''}>
                    {r.error ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

export function StatusTab() {
  const status = useApp((s) => s.status);
  const runs = useApp((s) => s.runs);
  const runsError = useApp((s) => s.runsError);
  const now = useNow(status && status.progress.length > 0 ? 500 : 5000);
  if (!status) return null;
  return (
    <div className="stack">
      <Connections status={status} />
      <Section title="Integration events" id="events">
        {status.events.length === 0 ? (
          <Empty>No integration events are installed in this edition.</Empty>
        ) : (
          <div className="events">
            {status.events.map((e) => (
              <EventRow key={e.event} e={e} status={status} runs={runs} now={now} />
            ))}
          </div>
        )}
      </Section>
      <RunHistory runs={runs} now={now} error={runsError} />
      <ConfigCheck />
    </div>
  );
}

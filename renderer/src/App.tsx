import { useEffect } from 'react';
import { Badge, Notice } from './components.js';
import { stateTone } from './format.js';
import { noticeLifetimeMs, pollInterval, TABS, useApp } from './store.js';
import { ApiError } from './api.js';
import { RestartBanner, SettingsProblem, StatusTab } from './tabs/StatusTab.js';
import { AdvancedTab } from './tabs/AdvancedTab.js';
import { CustomersTab } from './tabs/CustomersTab.js';
import { PricingTab } from './tabs/PricingTab.js';
import { LogsTab } from './tabs/LogsTab.js';
import { FirstRunPage } from './FirstRun.js';

function usePolling() {
  const authorised = useApp((s) => s.token !== null || s.shell);
  useEffect(() => {
    if (!authorised) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await useApp.getState().refresh();
      if (stopped) return;
      const { connection, status } = useApp.getState();
      // 401 needs a new link; polling again cannot fix it.
      if (connection === 'unauthorized') return;
      timer = setTimeout(tick, connection === 'ok' ? pollInterval(status, useApp.getState().streaming) : 3000);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [authorised]);
}

/** Live progress from the admin API's stream while the integrator answers; a run's end or a state change refreshes. */
function useProgressStream() {
  const token = useApp((s) => s.token);
  const ok = useApp((s) => s.connection === 'ok');
  useEffect(() => {
    if (!token || !ok) return;
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = async () => {
      const app = useApp.getState();
      let again = true;
      try {
        await app.api.progressStream(
          {
            progress: (p) => {
              useApp.setState({ streaming: true });
              useApp.getState().setProgress(p);
            },
            run: () => void useApp.getState().refresh(),
            state: () => void useApp.getState().refresh(),
          },
          abort.signal,
        );
      } catch (err) {
        // 401 needs a new link; 429 means other tabs hold every stream: this one keeps polling.
        if (err instanceof ApiError && (err.unauthorized || err.status === 429)) again = false;
        if (err instanceof ApiError && err.unauthorized) useApp.getState().failure(err);
      } finally {
        useApp.setState({ streaming: false });
      }
      if (again && !abort.signal.aborted) retry = setTimeout(() => void open(), 5000);
    };
    void open();
    return () => {
      abort.abort();
      if (retry) clearTimeout(retry);
    };
  }, [token, ok]);
}

function Unauthorized() {
  return (
    <main className="page-message" data-testid="unauthorized">
      <h1>Not authorised</h1>
      <p>This page needs the integrator&apos;s admin token.</p>
      <p>
        Open the <strong>Admin UI</strong> link that <code>integrator run</code> prints (it ends in <code>#token=…</code>), or open the window
        from the Integrator tray icon.
      </p>
    </main>
  );
}

function Unreachable({ message }: { message: string | null }) {
  return (
    <main className="page-message" data-testid="unreachable">
      <h1>Cannot reach the integrator</h1>
      <p>{message ?? 'The admin API does not answer.'}</p>
      <p>
        Start it with <code>npx integrator run --foreground</code> (or from the tray). This page retries every few seconds.
      </p>
    </main>
  );
}

export function App() {
  usePolling();
  useProgressStream();
  const connection = useApp((s) => s.connection);
  const connectionError = useApp((s) => s.connectionError);
  const status = useApp((s) => s.status);
  const tab = useApp((s) => s.tab);
  const firstRun = useApp((s) => s.firstRun);
  const setTab = useApp((s) => s.setTab);
  const notice = useApp((s) => s.notice);
  const clearNotice = useApp((s) => s.clearNotice);
  // Confirmations fade on their own; warnings and errors stay until dismissed or the tab changes.
  useEffect(() => {
    const lifetime = notice ? noticeLifetimeMs(notice.tone) : null;
    if (!notice || lifetime === null) return;
    const t = setTimeout(() => {
      if (useApp.getState().notice?.at === notice.at) clearNotice();
    }, lifetime);
    return () => clearTimeout(t);
  }, [notice, clearNotice]);

  if (connection === 'unauthorized') return <Unauthorized />;
  if (connection === 'unreachable' && !status) return <Unreachable message={connectionError} />;
  if (connection === 'loading' && !status) return <main className="page-message">Connecting to the integrator…</main>;
  if (!status) return <Unreachable message={connectionError} />;
  if (firstRun?.pending) return <FirstRunPage initial={firstRun} />;

  return (
    <div className="app">
      {/* The banners stay under the navigation bar, in view however far the page is scrolled. */}
      <div className="top-sticky">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Integrator
          <span className="muted small">v{status.version}</span>
        </div>
        <nav className="tabs" role="tablist" aria-label="Sections">
          {TABS.map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)}>
              {t}
            </button>
          ))}
        </nav>
        <div className="topbar-state" data-testid="integrator-state">
          {connection === 'ok' ? <Badge tone={stateTone(status.state)}>{status.state}</Badge> : <Badge tone="bad">not answering</Badge>}
          <span className="muted small">{status.foreground ? 'foreground' : 'background'}</span>
        </div>
      </header>
      <SettingsProblem />
      <RestartBanner />
      </div>
      {connection !== 'ok' && (
        <Notice tone="bad">
          <strong>Lost contact with the integrator.</strong> {connectionError ?? 'It does not answer.'} Showing the last known state; retrying every few
          seconds.
        </Notice>
      )}
      {notice && (
        <Notice tone={notice.tone} onClose={clearNotice}>
          <span data-testid="notice">{notice.text}</span>
        </Notice>
      )}
      <main className="content" role="tabpanel" aria-label={tab}>
        {tab === 'Status' && <StatusTab />}
        {tab === 'Advanced' && <AdvancedTab />}
        {tab === 'Customers' && <CustomersTab />}
        {tab === 'Pricing' && <PricingTab />}
        {tab === 'Logs' && <LogsTab />}
      </main>
    </div>
  );
}

// The first page of a fresh install: the ERP and web connections (or demo data to try the product), the
// configuration check, and then the integrator starts on them.
import { useState } from 'react';
import type { FirstRunResponse, FirstRunStatus } from '../../core/contracts/firstRun.js';
import { Badge, Notice, Section } from './components.js';
import { useApp } from './store.js';

export function FirstRunPage({ initial }: { initial: FirstRunStatus }) {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const setFirstRun = useApp((s) => s.setFirstRun);
  const [form, setForm] = useState({ erpDsn: initial.erpDsn, webDsn: initial.webDsn });
  const [result, setResult] = useState<FirstRunResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<null | 'demo' | 'start'>(null);

  const demo = async () => {
    setError(null);
    setResult(null);
    setBusy('demo');
    try {
      const s = await api.firstRunDemo();
      setForm({ erpDsn: s.erpDsn, webDsn: s.webDsn });
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(null);
    }
  };

  const start = async (anyway = false) => {
    setError(null);
    setResult(null);
    setBusy('start');
    try {
      const r = await api.firstRunStart({ ...form, anyway });
      setResult(r);
      if (r.started) setFirstRun({ ...initial, ...form, pending: false });
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(null);
    }
  };

  const field = (key: keyof typeof form, label: string, hint: string) => (
    <label className="field">
      {label}
      <input name={key} value={form[key]} autoComplete="off" spellCheck={false} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
      <span className="small muted">{hint}</span>
    </label>
  );

  return (
    <main className="content first-run" data-testid="first-run">
      <Section title="Welcome to the Integrator" id="first-run">
        <p>Tell the integrator where the ERP and the web store databases are. It checks the configuration, then starts.</p>
        <form
          className="pricing-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          {field('erpDsn', 'ERP DSN', 'sqlite:<path> or mssql://user:password@host:port/database?encrypt=true')}
          {field('webDsn', 'Web DSN', 'the web store database, in the same form')}
          <div className="form-actions">
            <button type="button" disabled={busy !== null} onClick={() => void demo()}>
              {busy === 'demo' ? 'Writing demo data…' : 'Use demo data'}
            </button>
            <button type="submit" className="primary" disabled={busy !== null}>
              {busy === 'start' ? 'Checking…' : 'Check and start'}
            </button>
          </div>
        </form>
        {error && (
          <Notice tone="bad">
            <span data-testid="first-run-error">{error}</span>
          </Notice>
        )}
        {result && !result.started && (
          <Notice tone="warn">
            Some checks failed: fix the connections and try again, or start anyway and fix the rest on the Advanced tab.{' '}
            <button type="button" disabled={busy !== null} onClick={() => void start(true)}>
              Start anyway
            </button>
          </Notice>
        )}
        {result && (
          <ul className="check-list" data-testid="first-run-check">
            {result.check.items.map((i) => (
              <li key={i.item}>
                <Badge tone={i.ok ? 'ok' : 'bad'}>{i.ok ? 'PASS' : 'FAIL'}</Badge> <strong>{i.item}</strong>: {i.message}
              </li>
            ))}
          </ul>
        )}
      </Section>
    </main>
  );
}

import type { ReactNode } from 'react';
import type { Tone } from './format.js';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function Dot({ tone, title }: { tone: Tone; title?: string }) {
  return <span className={`dot tone-${tone}`} title={title} aria-label={title} />;
}

export function ProgressBar({ fraction, label }: { fraction: number | null; label: string }) {
  const pct = fraction === null ? null : Math.round(fraction * 100);
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined} aria-label={label}>
      <div className="progress-track">
        <div className={`progress-fill${pct === null ? ' indeterminate' : ''}`} style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <div className="progress-label">
        {pct !== null && <strong>{pct}%</strong>} {label}
      </div>
    </div>
  );
}

export function Notice({ tone, children, onClose, role }: { tone: 'ok' | 'bad' | 'info' | 'warn'; children: ReactNode; onClose?: () => void; role?: string }) {
  return (
    <div className={`notice tone-${tone}`} role={role ?? (tone === 'bad' ? 'alert' : 'status')}>
      <div className="notice-body">{children}</div>
      {onClose && (
        <button type="button" className="link" onClick={onClose} aria-label="Dismiss">
          ×
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function Loading({ what }: { what: string }) {
  return <div className="empty loading">Loading {what}…</div>;
}

export function Section({ title, actions, children, id }: { title: string; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="card" aria-labelledby={id}>
      <header className="card-head">
        <h2 id={id}>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/**
 * A modal dialog: a question with a confirm and a cancel button, or a message with OK. Escape cancels; the
 * confirming button has the focus when it opens.
 */
export function Dialog(p: { title: string; children: ReactNode; confirm: string; danger?: boolean; cancel?: string; onConfirm(): void; onCancel?(): void; testId?: string }) {
  const close = p.onCancel ?? p.onConfirm;
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="dialog" role={p.onCancel ? 'dialog' : 'alertdialog'} aria-modal="true" aria-labelledby="dialog-title" data-testid={p.testId}>
        <h2 id="dialog-title">{p.title}</h2>
        <div className="dialog-body">{p.children}</div>
        <div className="form-actions">
          {p.onCancel && (
            <button type="button" onClick={p.onCancel}>
              {p.cancel ?? 'Cancel'}
            </button>
          )}
          <button type="button" className={p.danger ? 'danger' : 'primary'} autoFocus onClick={p.onConfirm}>
            {p.confirm}
          </button>
        </div>
      </div>
    </div>
  );
}

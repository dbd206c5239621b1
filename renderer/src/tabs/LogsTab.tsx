import { useCallback, useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import type { LogLineSchema } from '../../../core/contracts/adminApi.js';
import { Empty, Loading, Notice, Section } from '../components.js';
import { formatTime } from '../format.js';
import { useApp } from '../store.js';

type Line = z.infer<typeof LogLineSchema>;

export function LogsTab() {
  const api = useApp((s) => s.api);
  const failure = useApp((s) => s.failure);
  const [lines, setLines] = useState<Line[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [follow, setFollow] = useState(true);
  const [level, setLevel] = useState('');
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    try {
      const res = await api.logsTail(300);
      setLines(res.lines);
      setError(null);
    } catch (err) {
      setError(failure(err));
    }
  }, [api, failure]);

  useEffect(() => {
    void load();
    if (!follow) return;
    const t = setInterval(() => void load(), 2000);
    return () => clearInterval(t);
  }, [load, follow]);

  useEffect(() => {
    if (follow) bottom.current?.scrollIntoView({ block: 'nearest' });
  }, [lines, follow]);

  const exportLogs = async () => {
    setExporting(true);
    setExported(null);
    try {
      const { blob, filename } = await api.exportLogs();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported(`${filename} (${Math.max(1, Math.round(blob.size / 1024))} KB): logs, settings with secrets removed, run history.`);
    } catch (err) {
      setError(`Export failed: ${failure(err)}`);
    } finally {
      setExporting(false);
    }
  };

  const shown = (lines ?? []).filter((l) => !level || l.level === level);

  return (
    <Section
      title="Logs"
      id="logs"
      actions={
        <>
          <label className="inline small">
            <select value={level} onChange={(e) => setLevel(e.target.value)} aria-label="Level">
              <option value="">all levels</option>
              {['error', 'warn', 'info', 'debug'].map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <label className="inline small">
            <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
          </label>
          <button type="button" className="small-btn" onClick={() => void load()}>
            Refresh
          </button>
          <button type="button" className="primary small-btn" onClick={exportLogs} disabled={exporting}>
            {exporting ? 'Exporting…' : 'Export logs'}
          </button>
        </>
      }
    >
      {exported && (
        <Notice tone="ok" onClose={() => setExported(null)}>
          <span data-testid="export-done">Downloaded {exported}</span>
        </Notice>
      )}
      {error && <Notice tone="bad">{error}</Notice>}
      {!lines && !error && <Loading what="the log" />}
      {lines && shown.length === 0 && <Empty>{level ? `No ${level} lines in the recent log.` : 'The log is empty.'}</Empty>}
      {shown.length > 0 && (
        <div className="log" data-testid="log-lines">
          {shown.map((l, i) => (
            <div key={i} className={`log-line level-${l.level}`}>
              <span className="log-time">{formatTime(l.time)}</span>
              <span className="log-level">{l.level}</span>
              {l.event && <span className="log-event">{l.event}</span>}
              <span className="log-msg">{l.msg}</span>
            </div>
          ))}
          <div ref={bottom} />
        </div>
      )}
    </Section>
  );
}

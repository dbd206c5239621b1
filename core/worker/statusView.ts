// The status the admin API and the UI show, put together from the integrator's parts.
import type { Status } from '../contracts/adminApi.js';
import { EVENT_LABELS, EVENT_NAMES, EVENT_SCHEDULE_KEYS, type Progress } from '../contracts/events.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import { redactDsn } from '../db/dsn.js';
import { EVENTS } from '../events/registry.js';
import { VERSION } from '../version.js';
import type { Health } from './databaseHealth.js';
import type { EventSchedule } from './scheduler.js';

export interface StatusSources {
  state: Status['state'];
  startedAt: Date | null;
  foreground: boolean;
  applied: SettingsValues;
  pendingChanges: string[];
  settingsError: string | null;
  restartError: string | null;
  nightlyRestartAt: Date | null;
  health: { erp: Health; web: Health };
  endpoints: Record<string, string>;
  serviceProblems: string[];
  schedule(name: (typeof EVENT_NAMES)[number]): EventSchedule | undefined;
  isRunning(name: (typeof EVENT_NAMES)[number]): boolean;
  progress: Progress[];
}

function listener(src: StatusSources, key: 'Pricing listener' | 'ERP listener', enabled: boolean): Status['pricingListener'] {
  const url = src.endpoints[key] ?? null;
  let error: string | null = null;
  if (enabled && !url) {
    const errors = src.serviceProblems;
    error = errors.length ? errors.join('; ') : src.state === 'running' ? 'not available in this edition' : `the integrator is ${src.state}`;
  }
  return { enabled, url, error };
}

const health = (h: Health) => ({ ok: h.ok, error: h.error, checkedAt: h.checkedAt?.toISOString() ?? null });

export function buildStatus(src: StatusSources): Status {
  const s = src.applied;
  return {
    version: VERSION,
    state: src.state,
    startedAt: src.startedAt?.toISOString() ?? null,
    foreground: src.foreground,
    restartRequired: src.pendingChanges.length > 0,
    pendingChanges: src.pendingChanges,
    nightlyRestartAt: src.nightlyRestartAt?.toISOString() ?? null,
    erp: { description: redactDsn(s.erpDsn), ...health(src.health.erp) },
    web: { description: redactDsn(s.webDsn), ...health(src.health.web) },
    pricingListener: listener(src, 'Pricing listener', s.enableLivePricingAvailabilityListener),
    erpListener: listener(src, 'ERP listener', s.enableErpListener === true),
    events: EVENT_NAMES.map((name) => {
      const st = src.schedule(name);
      return {
        event: name,
        label: EVENT_LABELS[name],
        schedule: st?.scheduleText ?? String(s[EVENT_SCHEDULE_KEYS[name]] ?? 'off'),
        running: src.isRunning(name),
        nextRunAt: st?.nextRunAt?.toISOString() ?? null,
        lastRun: st?.lastRun ?? null,
        available: Boolean(EVENTS[name]),
        lastError: st?.lastError ?? null,
        retryAt: st?.retryAt?.toISOString() ?? null,
      };
    }),
    progress: src.progress,
    settingsError: src.settingsError,
    restartError: src.restartError,
  };
}

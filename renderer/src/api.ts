// The only way the UI talks to the integrator: the admin API of core/contracts, every answer checked by its
// zod schema so a mismatch shows as one clear error instead of a broken screen.
import type { z } from 'zod';
import {
  API,
  type CUSTOMER_ACTIONS,
  BlockedUsersResponseSchema,
  CheckConfigResponseSchema,
  ConversionsResponseSchema,
  CustomerActionResponseSchema,
  CustomersResponseSchema,
  ErrorBodySchema,
  LogsTailResponseSchema,
  RunEventResponseSchema,
  RunsResponseSchema,
  SettingsBodySchema,
  SettingsPutResponseSchema,
  SettingsSchemaResponseSchema,
  StatusSchema,
  TestPricingResponseSchema,
} from '../../core/contracts/adminApi.js';
import { ProgressSchema, RunRecordSchema, type EventName, type Progress, type RunRecord } from '../../core/contracts/events.js';
import { FIRST_RUN_API, FirstRunResponseSchema, FirstRunStatusSchema, type FirstRunRequest } from '../../core/contracts/firstRun.js';

/** The status as this UI reads it (the contract carries the worker's availability, retry and error fields). */
export const UiStatusSchema = StatusSchema;
export type UiStatus = z.infer<typeof UiStatusSchema>;

export interface FieldErrorItem {
  key: string;
  label: string;
  message: string;
}

/** status 0: the integrator could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldErrorItem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get unreachable(): boolean {
    return this.status === 0;
  }
  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export interface ApiOptions {
  baseUrl?: string;
  token: string | null;
  fetchImpl?: typeof fetch;
}

/** One Server-Sent Event. */
export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * Splits text/event-stream text into its complete events, and the unfinished rest to prepend to the next chunk.
 * Comments (": ping") and fields other than event/data are skipped; several data lines join with a newline.
 */
export function parseEventStream(text: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) events.push({ event, data: data.join('\n') });
  }
  return { events, rest };
}

export interface ProgressHandlers {
  progress(p: Progress[]): void;
  run(r: RunRecord): void;
  state(s: string): void;
}

export type CustomerAction = (typeof CUSTOMER_ACTIONS)[number];

export function createApi(opts: ApiOptions) {
  const base = (opts.baseUrl ?? '').replace(/\/$/, '');
  const doFetch = opts.fetchImpl ?? ((input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init));

  /** okStatuses: refusals whose body is a normal answer (409 "already running"). */
  async function raw(path: string, init: RequestInit = {}, okStatuses: readonly number[] = []): Promise<Response> {
    const headers = new Headers(init.headers);
    if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`);
    if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, { ...init, headers });
    } catch {
      throw new ApiError(0, 'Cannot reach the integrator. Is it running?');
    }
    if (!res.ok && !okStatuses.includes(res.status)) {
      let message = `The integrator answered ${res.status} ${res.statusText}`.trim();
      let fieldErrors: FieldErrorItem[] = [];
      try {
        const body = ErrorBodySchema.safeParse(await res.json());
        if (body.success) {
          message = body.data.error;
          fieldErrors = body.data.fieldErrors ?? [];
        }
      } catch {
        // Not JSON: keep the status line.
      }
      if (res.status === 401) message = 'Not authorised: this page needs the admin token.';
      throw new ApiError(res.status, message, fieldErrors);
    }
    return res;
  }

  async function json<S extends z.ZodType>(schema: S, path: string, init?: RequestInit, okStatuses?: readonly number[]): Promise<z.infer<S>> {
    const res = await raw(path, init, okStatuses);
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiError(500, `Unexpected answer from ${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
    }
    return parsed.data;
  }

  const post = (body?: unknown): RequestInit => ({ method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

  return {
    status: () => json(UiStatusSchema, API.status),
    runs: (limit = 50) => json(RunsResponseSchema, `${API.runs}?limit=${limit}`),
    runEvent: (event: EventName, all: boolean) => json(RunEventResponseSchema, `${API.runEvent(event)}${all ? '?all=1' : ''}`, post(), [409]),
    restart: () => raw(API.restart, post()).then(() => undefined),
    settings: () => json(SettingsBodySchema, API.settings),
    settingsSchema: () => json(SettingsSchemaResponseSchema, API.settingsSchema),
    saveSettings: (changes: Record<string, unknown>) =>
      json(SettingsPutResponseSchema, API.settings, { method: 'PUT', body: JSON.stringify(changes) }),
    customers: (query: { search?: string; activeStatus?: string; crmStatus?: string; site?: string; limit?: number; offset?: number }) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
      const q = qs.toString();
      return json(CustomersResponseSchema, `${API.customers}${q ? `?${q}` : ''}`);
    },
    customerAction: (code: string, action: CustomerAction) => json(CustomerActionResponseSchema, API.customerAction(code, action), post()),
    checkConfig: () => json(CheckConfigResponseSchema, API.checkConfig),
    blockedUsers: () => json(BlockedUsersResponseSchema, API.blockedUsers),
    conversions: () => json(ConversionsResponseSchema, API.conversions),
    testPricing: (req: { product: string; warehouse: string; customer: string; quantity: number }) =>
      json(TestPricingResponseSchema, API.testPricing, post(req)),
    logsTail: (lines = 200) => json(LogsTailResponseSchema, `${API.logsTail}?lines=${lines}`),
    firstRun: () => json(FirstRunStatusSchema, FIRST_RUN_API.status),
    firstRunDemo: () => json(FirstRunStatusSchema, FIRST_RUN_API.demo, post()),
    firstRunStart: (req: FirstRunRequest) => json(FirstRunResponseSchema, FIRST_RUN_API.status, post(req)),
    /**
     * Follows the live progress stream until it ends or `signal` aborts. fetch, not EventSource: the token goes in
     * the Authorization header like every other call, never in the URL.
     */
    progressStream: async (on: ProgressHandlers, signal: AbortSignal): Promise<void> => {
      const res = await raw(API.progressStream, { signal, headers: { Accept: 'text/event-stream' } });
      const reader = res.body?.getReader();
      if (!reader) return;
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) return;
        const parsed = parseEventStream(buffer + decoder.decode(value, { stream: true }));
        buffer = parsed.rest;
        for (const e of parsed.events) {
          let data: unknown;
          try {
            data = JSON.parse(e.data);
          } catch {
            continue;
          }
          if (e.event === 'progress') {
            const p = ProgressSchema.array().safeParse(data);
            if (p.success) on.progress(p.data);
          } else if (e.event === 'run') {
            const r = RunRecordSchema.safeParse(data);
            if (r.success) on.run(r.data);
          } else if (e.event === 'state' && typeof data === 'string') on.state(data);
        }
      }
    },
    exportLogs: async (): Promise<{ blob: Blob; filename: string }> => {
      const res = await raw(API.logsExport);
      const disposition = res.headers.get('Content-Disposition') ?? '';
      const match = /filename="?([^";]+)"?/i.exec(disposition);
      return { blob: await res.blob(), filename: match?.[1] ?? 'integrator-logs.zip' };
    },
  };
}

export type Api = ReturnType<typeof createApi>;

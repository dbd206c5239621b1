// Names and shapes of integration events, shared by the worker, the CLI, the admin API and the UI.
import { z } from 'zod';

export const EVENT_NAMES = ['customer-master', 'conversions', 'orders', 'statements', 'web-accounts'] as const;
export type EventName = (typeof EVENT_NAMES)[number];
export const EventNameSchema = z.enum(EVENT_NAMES);

export const EVENT_LABELS: Record<EventName, string> = {
  'customer-master': 'Customer Master',
  conversions: 'Customer Conversions',
  orders: 'Get Orders',
  statements: 'Statements',
  'web-accounts': 'Web Accounts',
};

/** Settings key of each event's schedule. */
export const EVENT_SCHEDULE_KEYS: Record<EventName, string> = {
  'customer-master': 'customerMasterSchedule',
  conversions: 'conversionsSchedule',
  orders: 'ordersSchedule',
  statements: 'statementsSchedule',
  'web-accounts': 'webAccountsSchedule',
};

export const RUN_STATUSES = ['Running', 'Succeeded', 'Failed', 'Stopped', 'Partial'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const ProgressSchema = z.object({
  event: EventNameSchema,
  runId: z.number().int().nullable(),
  phase: z.string(),
  done: z.number().int().nonnegative(),
  /** null while the total is not known yet. */
  total: z.number().int().nonnegative().nullable(),
  startedAt: z.string(),
});
export type Progress = z.infer<typeof ProgressSchema>;

export const RunRecordSchema = z.object({
  id: z.number().int(),
  event: z.string(),
  mode: z.string(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  status: z.string(),
  read: z.number().int(),
  written: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  error: z.string().nullable(),
  details: z.unknown().nullable(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

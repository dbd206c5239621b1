// The admin API, typed once for the server (core/admin) and the UI (renderer). Routes of SPEC 10 are fixed.
import { z } from 'zod';
import { EVENT_NAMES, ProgressSchema, RunRecordSchema } from './events.js';

export const API = {
  status: '/api/status',
  settings: '/api/settings',
  settingsSchema: '/api/settings/schema',
  settingsValidate: '/api/settings/validate',
  restart: '/api/restart',
  runEvent: (event: string) => `/api/events/${event}/run`,
  progress: '/api/progress',
  /** Server-Sent Events (progress, run, state); the token in the Authorization header only. */
  progressStream: '/api/progress/stream',
  runs: '/api/runs',
  customers: '/api/customers',
  customerAction: (code: string, action: string) => `/api/customers/${encodeURIComponent(code)}/${action}`,
  blockedUsers: '/api/users/blocked',
  conversions: '/api/conversions',
  testPricing: '/api/test-pricing',
  checkConfig: '/api/check-config',
  logsTail: '/api/logs/tail',
  logsExport: '/api/logs/export',
} as const;

export const FieldErrorSchema = z.object({ key: z.string(), label: z.string(), message: z.string() });
export const ErrorBodySchema = z.object({ error: z.string(), fieldErrors: z.array(FieldErrorSchema).optional() });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const ListenerStatusSchema = z.object({
  enabled: z.boolean(),
  url: z.string().nullable(),
  error: z.string().nullable().optional(),
});

export const EventStatusSchema = z.object({
  event: z.enum(EVENT_NAMES),
  label: z.string(),
  schedule: z.string(),
  running: z.boolean(),
  nextRunAt: z.string().nullable(),
  lastRun: RunRecordSchema.nullable(),
  /** false: no capability of this build provides the event (it is not scheduled). */
  available: z.boolean().optional(),
  /** Reason of the last failure, cleared by the next success. */
  lastError: z.string().nullable().optional(),
  /** When a retryable failure is retried next (backoff). */
  retryAt: z.string().nullable().optional(),
});

/** A database's health as last found out (a periodic check, or a run or request that used it), and when. */
export const DatabaseHealthSchema = z.object({
  description: z.string(),
  ok: z.boolean(),
  error: z.string().nullable(),
  checkedAt: z.string().nullable().optional(),
});

export const StatusSchema = z.object({
  version: z.string(),
  state: z.enum(['starting', 'running', 'stopping', 'stopped', 'restarting']),
  startedAt: z.string().nullable(),
  foreground: z.boolean(),
  restartRequired: z.boolean(),
  /** Keys saved but not yet applied. */
  pendingChanges: z.array(z.string()),
  nightlyRestartAt: z.string().nullable(),
  erp: DatabaseHealthSchema,
  web: DatabaseHealthSchema,
  pricingListener: ListenerStatusSchema,
  erpListener: ListenerStatusSchema,
  events: z.array(EventStatusSchema),
  progress: z.array(ProgressSchema),
  /** The saved settings file cannot be read now (the integrator keeps running with the applied ones). */
  settingsError: z.string().nullable().optional(),
  /** Why the last restart kept the previous settings. */
  restartError: z.string().nullable().optional(),
});
export type Status = z.infer<typeof StatusSchema>;

export const SettingsBodySchema = z.record(z.string(), z.unknown());
export const SettingsPutResponseSchema = z.object({
  saved: z.array(z.string()),
  restartRequired: z.boolean(),
  pendingChanges: z.array(z.string()),
});

export const RunsResponseSchema = z.object({ runs: z.array(RunRecordSchema) });
export const RunEventResponseSchema = z.object({ accepted: z.boolean(), event: z.enum(EVENT_NAMES), runId: z.number().int().nullable(), message: z.string() });

export const CustomerSchema = z.object({
  customerCode: z.string(),
  name: z.string().nullable(),
  activeStatus: z.string(),
  crmStatus: z.string().nullable(),
  site: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  isDisabled: z.boolean(),
  erpStatus: z.string().nullable(),
  source: z.string().nullable(),
  /** A web account waiting for an admin: the ERP debtor whose email it has (Link to it, or Create new debtor). */
  emailMatch: z.string().nullable().optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;
export const CustomersQuerySchema = z.object({
  search: z.string().optional(),
  activeStatus: z.string().optional(),
  crmStatus: z.string().optional(),
  site: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});
export const CustomersResponseSchema = z.object({ customers: z.array(CustomerSchema), total: z.number().int() });
export const CUSTOMER_ACTIONS = ['activate', 'release', 'approve', 'decline', 'disable', 'enable', 'link', 'create-new'] as const;
export const CustomerActionResponseSchema = z.object({ customer: CustomerSchema, message: z.string() });

export const BlockedUserSchema = z.object({ userId: z.string(), email: z.string().nullable(), customers: z.array(z.string()) });
export const BlockedUsersResponseSchema = z.object({ users: z.array(BlockedUserSchema) });

export const ConversionSchema = z.object({
  id: z.number().int(),
  oldCode: z.string(),
  newCode: z.string(),
  erpConversionDate: z.string().nullable(),
  receivedAt: z.string().nullable(),
  status: z.string(),
  processedAt: z.string().nullable(),
  error: z.string().nullable(),
  details: z.unknown().nullable(),
});
export const ConversionsResponseSchema = z.object({
  conversions: z.array(ConversionSchema),
  counts: z.object({ Pending: z.number().int(), Processed: z.number().int(), Failed: z.number().int() }),
});

export const TestPricingRequestSchema = z.object({
  product: z.string().min(1),
  warehouse: z.string().min(1),
  customer: z.string().min(1),
  quantity: z.number().positive(),
});
export const PriceAnswerSchema = z.object({
  product: z.string(),
  customer: z.string(),
  warehouse: z.string(),
  quantity: z.number(),
  unitPrice: z.number().nullable(),
  priceSource: z.enum(['manual', 'special', 'level', 'base']).nullable(),
  available: z.number(),
  onHand: z.number(),
});
export type PriceAnswer = z.infer<typeof PriceAnswerSchema>;
export const TestPricingResponseSchema = PriceAnswerSchema.extend({ tookMs: z.number() });

/** One configuration check; `warning`: it passes, but something is worth an administrator's attention. */
export const CheckItemSchema = z.object({ item: z.string(), ok: z.boolean(), message: z.string(), warning: z.boolean().optional() });
export const CheckConfigResponseSchema = z.object({ ok: z.boolean(), items: z.array(CheckItemSchema) });

export const LogLineSchema = z.object({ time: z.string().nullable(), level: z.string(), msg: z.string(), event: z.string().nullable().optional() });
export const LogsTailResponseSchema = z.object({ lines: z.array(LogLineSchema) });

// GET /api/settings/schema: the settings registry as the UI needs it (labels, groups, types, units, defaults).
export const SettingDefSchema = z.object({
  key: z.string(),
  label: z.string(),
  group: z.string(),
  type: z.string(),
  default: z.unknown(),
  help: z.string(),
  used: z.boolean(),
  min: z.number().optional(),
  max: z.number().optional(),
  maxLength: z.number().optional(),
  unit: z.string().optional(),
  warning: z.string().optional(),
  formerLabels: z.array(z.string()).optional(),
});
export const SettingsSchemaResponseSchema = z.object({ groups: z.array(z.string()), settings: z.array(SettingDefSchema) });
export type SettingsSchemaResponse = z.infer<typeof SettingsSchemaResponseSchema>;

/** GET /api/settings shows a set secret (and a DSN's password) as this; PUT reads it back as "unchanged". */
export const SECRET_PLACEHOLDER = '********';

// The first-run page of a fresh install (the tray app creates default settings and marks the first run):
// the ERP and web connections, demo data to try it, the configuration check, then the integrator starts.
import { z } from 'zod';
import { CheckConfigResponseSchema, FieldErrorSchema } from './adminApi.js';

export const FIRST_RUN_API = {
  status: '/api/first-run',
  demo: '/api/first-run/demo',
} as const;

/** The saved DSNs, their passwords shown as ********. */
export const FirstRunStatusSchema = z.object({ pending: z.boolean(), erpDsn: z.string(), webDsn: z.string() });
export type FirstRunStatus = z.infer<typeof FirstRunStatusSchema>;

/** anyway: start even though some checks fail (they stay visible on the Status and Advanced tabs). */
export const FirstRunRequestSchema = z.object({ erpDsn: z.string().trim().min(1, 'is required'), webDsn: z.string().trim().min(1, 'is required'), anyway: z.boolean().optional() });
export type FirstRunRequest = z.infer<typeof FirstRunRequestSchema>;

/** started: every check passed (or the admin chose to start anyway), the first run is over and the integrator restarted on these connections. */
export const FirstRunResponseSchema = z.object({ started: z.boolean(), check: CheckConfigResponseSchema, fieldErrors: z.array(FieldErrorSchema).optional() });
export type FirstRunResponse = z.infer<typeof FirstRunResponseSchema>;

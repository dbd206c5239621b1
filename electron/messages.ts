// The typed messages between the shell (main process) and the core (its utilityProcess), checked with zod on
// arrival. The admin token travels here, over the process's message port, never in a process's arguments or
// environment (both are visible to other users in the process list).
import { z } from 'zod';

export const ShellToCoreSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), settingsFile: z.string().min(1), foreground: z.boolean() }),
  z.object({ type: z.literal('stop') }),
]);
export type ShellToCore = z.infer<typeof ShellToCoreSchema>;

export const CoreToShellSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), adminUrl: z.string().url(), token: z.string().min(1), foreground: z.boolean(), pid: z.number().int() }),
  z.object({ type: z.literal('failed'), message: z.string() }),
  z.object({ type: z.literal('stopped') }),
]);
export type CoreToShell = z.infer<typeof CoreToShellSchema>;

/** Electron's utilityProcess delivers `{ data }`; a Node IPC channel delivers the message itself. */
export function unwrap(e: unknown): unknown {
  return e && typeof e === 'object' && 'data' in e && !('type' in e) ? (e as { data: unknown }).data : e;
}

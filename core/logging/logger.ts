import path from 'node:path';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { RotatingFile } from './rotatingFile.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Folder for integrator.log and its rotated copies; none: no file. */
  dir?: string;
  /** Pretty lines on the console (foreground mode). */
  console?: boolean;
  level?: string;
  maxBytes?: number;
  maxFiles?: number;
  /** Secret strings (passwords, keys) scrubbed from every line before it is written. */
  secrets?: readonly string[];
}

/** Replaces every secret in a text with ***. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

export const LOG_FILE_NAME = 'integrator.log';

export function logFile(dir: string): string {
  return path.join(dir, LOG_FILE_NAME);
}

// Field names whose values never reach a log, whatever object they sit in.
const REDACT = ['password', 'apiKey', 'token', 'adminToken', 'listenerApiKey', 'authorization', 'headers.authorization', 'headers["x-api-key"]', '*.password', '*.apiKey', '*.token', '*.adminToken', '*.listenerApiKey', '*.authorization'];

/** A scrubbing pass-through: whatever the log line says, a known secret leaves as ***. */
function scrubbing(target: { write(s: string): unknown }, secrets: readonly string[]) {
  if (!secrets.length) return target;
  return { write: (s: string) => target.write(scrub(s, secrets)) };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [];
  const level = (options.level ?? 'info') as pino.Level;
  const secrets = options.secrets ?? [];
  if (options.dir) {
    const file = new RotatingFile({ file: logFile(options.dir), maxBytes: options.maxBytes ?? 10 * 1024 * 1024, maxFiles: options.maxFiles ?? 5 });
    streams.push({ level, stream: scrubbing(file, secrets) as pino.DestinationStream });
  }
  if (options.console) {
    const console = pretty({ colorize: process.stdout.isTTY ?? false, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true, destination: 1 });
    streams.push({ level, stream: scrubbing(console, secrets) as pino.DestinationStream });
  }
  if (!streams.length) return pino({ level: 'silent' });
  return pino({ level, base: undefined, redact: { paths: REDACT, censor: '***' } }, pino.multistream(streams));
}

import path from 'node:path';
import { loadSettings, type LoadedSettings } from '../settings/settingsFile.js';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal (progress bars redraw in place only then). */
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: Boolean(process.stdout.isTTY),
};

/** A failure the command reports as one line, with this exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const DEFAULT_DATA_DIR = 'integrator-data';

/** --config, else $INTEGRATOR_CONFIG, else ./integrator-data/settings.json. */
export function configPath(option?: string): string {
  return path.resolve(option ?? process.env.INTEGRATOR_CONFIG ?? path.join(DEFAULT_DATA_DIR, 'settings.json'));
}

export interface CliContext {
  io: CliIo;
  configPath(option?: string): string;
  settings(option?: string): LoadedSettings;
}

export function createContext(io: CliIo): CliContext {
  return {
    io,
    configPath,
    settings: (option) => loadSettings(configPath(option)),
  };
}

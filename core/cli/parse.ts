import { CliError } from './context.js';

export function positiveInt(text: string, name: string, min = 1): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new CliError(`${name} must be a whole number of at least ${min} (got "${text}")`, 2);
  return Number(text);
}

export function number(text: string, name: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new CliError(`${name} must be a number (got "${text}")`, 2);
  return n;
}

// Numbering sequences for the ERP debtor codes the integrator creates (seed 003: "a numbering sequence has been
// defined for the auto-numbered segment"). A template such as WEB-##### marks the numbered digits with #; the
// web NumberingSequence table keeps the next value per template, so a number is handed out once only.
import type { Db } from '../db/db.js';
import { FatalError } from '../errors.js';

/** Longest customer code the web and ERP tables hold. */
export const MAX_CODE_LENGTH = 20;

export interface NumberingTemplate {
  template: string;
  prefix: string;
  digits: number;
  suffix: string;
  /** Largest value the digits can hold. */
  max: number;
}

/** Why a template cannot number codes, or null. */
export function templateProblem(template: string): string | null {
  const t = template.trim();
  if (t === '') return 'is empty; set a template such as WEB-#####';
  const runs = t.match(/#+/g) ?? [];
  if (runs.length === 0) return `"${t}" has no # digits; mark the numbered part with #, e.g. WEB-#####`;
  if (runs.length > 1) return `"${t}" has more than one run of #; use one, e.g. WEB-#####`;
  if ((runs[0] ?? '').length > 15) return `"${t}" has more than 15 # digits`;
  if (t.length > MAX_CODE_LENGTH) return `"${t}" gives codes longer than ${MAX_CODE_LENGTH} characters`;
  if (/[^A-Za-z0-9#\-_/.]/.test(t)) return `"${t}" may hold only letters, digits, # and - _ / .`;
  return null;
}

export function parseTemplate(template: string): NumberingTemplate {
  const problem = templateProblem(template);
  if (problem) throw new FatalError(`Customer Numbering Sequence (customerNumberingSequence) ${problem}`);
  const t = template.trim();
  const m = /^([^#]*)(#+)([^#]*)$/.exec(t)!;
  return { template: t, prefix: m[1], digits: m[2].length, suffix: m[3], max: 10 ** m[2].length - 1 };
}

export function formatCode(t: NumberingTemplate, value: number): string {
  return `${t.prefix}${String(value).padStart(t.digits, '0')}${t.suffix}`;
}

export class SequenceExhaustedError extends FatalError {
  override name = 'SequenceExhaustedError';
}

export function exhaustedMessage(t: NumberingTemplate): string {
  return `Customer Numbering Sequence ${t.template} is exhausted: every code up to ${formatCode(t, t.max)} has been used; widen the template (add a #) or set a new prefix in customerNumberingSequence`;
}

/** The next value of a template (1 when it was never used). */
export async function nextValue(webDb: Db, t: NumberingTemplate): Promise<number> {
  const row = await webDb.get<{ NextValue: number }>(`SELECT [NextValue] FROM [NumberingSequence] WHERE [Name] = @name`, { name: t.template });
  return row ? Number(row.NextValue) : 1;
}

/**
 * Claims the next `n` values of a template in one statement that both reads and advances the sequence, so two
 * allocations never get the same value whatever the isolation of the caller's transaction (under SQL Server's
 * READ COMMITTED a SELECT followed by an UPDATE lets a second session read the same value in between).
 * Returns the first value of the block.
 */
async function claim(webDb: Db, t: NumberingTemplate, n: number): Promise<number> {
  const set = `SET [NextValue] = [NextValue] + @n`;
  const where = `WHERE [Name] = @name`;
  const advance = () =>
    webDb.get<{ NextValue: number }>(
      webDb.kind === 'sqlite' ? `UPDATE [NumberingSequence] ${set} ${where} RETURNING [NextValue]` : `UPDATE [NumberingSequence] ${set} OUTPUT INSERTED.[NextValue] ${where}`,
      { n, name: t.template },
    );
  // The UPDATE first: it takes the row's lock for writing at once, so a second session waits for this one
  // rather than both reading it and then deadlocking on the write. The row is created on first use only
  // (MERGE ... HOLDLOCK / ON CONFLICT DO NOTHING: two first uses cannot both insert it).
  let row = await advance();
  if (!row) {
    await webDb.upsert('NumberingSequence', ['Name'], [{ Name: t.template, NextValue: 1 }], { insertOnly: ['NextValue'] });
    row = await advance();
  }
  if (!row) throw new Error(`numbering sequence ${t.template} could not be advanced`);
  return Number(row.NextValue) - n;
}

/**
 * Hands out up to `count` codes. Values are claimed atomically (see claim); values whose code is already taken
 * (`taken` answers for a batch of candidate codes, e.g. codes already in the ERP or on the web) are consumed,
 * never handed out. Pass the transaction that also records the codes on the customers, so a crash loses
 * neither: a rolled back claim gives its values back. Returns fewer codes than asked only when the sequence
 * ran out (`exhausted`).
 */
export async function allocateCodes(
  webDb: Db,
  t: NumberingTemplate,
  count: number,
  taken: (codes: string[]) => Promise<Set<string>>,
): Promise<{ codes: string[]; exhausted: boolean }> {
  const codes: string[] = [];
  let exhausted = false;
  while (codes.length < count) {
    const want = count - codes.length;
    const first = await claim(webDb, t, want);
    const values = Array.from({ length: want }, (_, i) => first + i).filter((v) => v <= t.max);
    const candidates = values.map((v) => formatCode(t, v));
    const busy = candidates.length ? await taken(candidates) : new Set<string>();
    for (const c of candidates) if (!busy.has(c)) codes.push(c);
    if (values.length < want) {
      exhausted = true;
      break;
    }
  }
  return { codes, exhausted };
}

import { describe, expect, it } from 'vitest';
import { jsonWithin } from '../../core/events/runEvent.js';

describe('run details kept within the column', () => {
  it('keeps small details as they are', () => {
    const details = { read: 3, failures: [{ code: 'C1', reason: 'too long' }] };
    expect(JSON.parse(jsonWithin(details, 8000))).toEqual(details);
  });

  it('turns details too large for the column into JSON that still parses, within the limit', () => {
    const details = { failures: Array.from({ length: 2000 }, (_, i) => ({ code: `C${i}`, reason: `name "x\\y" is ${i} characters` })) };
    const text = jsonWithin(details, 8000);
    expect(text.length).toBeLessThanOrEqual(8000);
    const parsed = JSON.parse(text) as { truncated: string };
    expect(JSON.stringify(details).startsWith(parsed.truncated)).toBe(true);
    // Quotes and backslashes are escaped again inside the string, so the kept head is shorter than the limit.
    expect(parsed.truncated.length).toBeGreaterThan(5000);
  });
});

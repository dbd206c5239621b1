import { describe, expect, it } from 'vitest';
import { erpRow, erpValue } from '../../core/erp/erpReads.js';

describe('ERP values as the integrator reads them', () => {
  it('drops CHAR padding (trailing spaces only) and gives dates as ISO text', () => {
    expect(erpValue('C00001    ')).toBe('C00001');
    expect(erpValue('  lead kept')).toBe('  lead kept');
    expect(erpValue('tab\t')).toBe('tab\t');
    expect(erpValue('          ')).toBe('');
    expect(erpValue(new Date('2026-10-01T09:30:00Z'))).toBe('2026-10-01T09:30:00.000Z');
    expect(erpValue(new Date('nonsense'))).toBeNull();
    expect(erpValue(12.5)).toBe(12.5);
    expect(erpValue(null)).toBeNull();
    const raw = { accountcode: 'C1   ', dr_date_last_changed: new Date('2026-01-02T00:00:00Z'), credit_limit: 10 };
    expect(erpRow(raw)).toEqual({ accountcode: 'C1', dr_date_last_changed: '2026-01-02T00:00:00.000Z', credit_limit: 10 });
  });
});

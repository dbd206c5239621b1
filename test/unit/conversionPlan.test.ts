import { describe, expect, it } from 'vitest';
import { planConversions, type ConversionRecord } from '../../core/events/conversionPlan.js';

const rec = (id: number, oldCode: string, newCode: string, status: ConversionRecord['status'] = 'Pending'): ConversionRecord => ({ id, oldCode, newCode, status });

describe('planConversions', () => {
  it('resolves a chain to its final code whatever the arrival order, closest to the final code first', () => {
    for (const records of [
      [rec(1, 'A', 'B'), rec(2, 'B', 'C')],
      [rec(1, 'B', 'C'), rec(2, 'A', 'B')],
    ]) {
      const p = planConversions(records);
      expect(p.rejected).toEqual([]);
      expect(p.steps.map((s) => [s.oldCode, s.finalCode])).toEqual([
        ['B', 'C'],
        ['A', 'C'],
      ]);
      expect(p.steps[1].path).toEqual(['A', 'B', 'C']);
    }
  });

  it('follows processed conversions to the end of a chain, and plans nothing for processed or failed ones', () => {
    const p = planConversions([rec(1, 'B', 'C', 'Processed'), rec(2, 'A', 'B'), rec(3, 'X', 'Y', 'Failed')]);
    expect(p.steps).toEqual([{ id: 2, oldCode: 'A', newCode: 'B', finalCode: 'C', path: ['A', 'B', 'C'] }]);
    expect(p.rejected).toEqual([]);
  });

  it('rejects a cycle, a chain into a cycle, a code converted to two codes and a self-conversion, with reasons', () => {
    const p = planConversions([rec(1, 'A', 'B'), rec(2, 'B', 'A'), rec(3, 'Z', 'A'), rec(4, 'D', 'E'), rec(5, 'D', 'F'), rec(6, 'G', 'D'), rec(7, 'H', 'H'), rec(8, 'K', 'L')]);
    const reasons = Object.fromEntries(p.rejected.map((r) => [r.id, r.reason]));
    expect(reasons[1]).toBe('cycle: A -> B -> A; nothing moved');
    expect(reasons[2]).toBe('cycle: B -> A -> B; nothing moved');
    expect(reasons[3]).toBe('cycle: Z -> A -> B -> A; nothing moved');
    expect(reasons[4]).toMatch(/^D converts to more than one code \(E, F\)/);
    expect(reasons[5]).toMatch(/^D converts to more than one code/);
    expect(reasons[6]).toMatch(/reaches D, which converts to more than one code/);
    expect(reasons[7]).toMatch(/same/);
    expect(p.steps.map((s) => s.id)).toEqual([8]);
  });
});

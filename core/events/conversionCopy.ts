import type { Db } from '../db/db.js';

/**
 * Copies every ERP deb_conversion row to the web CustomerConversion table: new ones arrive as Pending,
 * existing ones (same OldCode, NewCode) are left untouched. Returns how many rows were new.
 */
export async function copyErpConversions(erpDb: Db, webDb: Db, now: Date): Promise<{ read: number; added: number }> {
  const rows = await erpDb.all<{ old_accountcode: string; new_accountcode: string; conversion_date: string | null }>(
    `SELECT [old_accountcode], [new_accountcode], [conversion_date] FROM [deb_conversion] ORDER BY [conversion_date], [old_accountcode]`,
  );
  if (!rows.length) return { read: 0, added: 0 };
  const receivedAt = now.toISOString();
  const added = await webDb.transaction(async (tx) => {
    const before = Number((await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM [CustomerConversion]`))?.n ?? 0);
    await tx.upsert(
      'CustomerConversion',
      ['OldCode', 'NewCode'],
      rows.map((r) => ({
        OldCode: r.old_accountcode.trim(),
        NewCode: r.new_accountcode.trim(),
        ErpConversionDate: r.conversion_date,
        ReceivedAt: receivedAt,
        Status: 'Pending',
      })),
      // Existing rows keep everything: their status, when they arrived, what processing recorded.
      { insertOnly: ['ErpConversionDate', 'ReceivedAt', 'Status'] },
    );
    const after = Number((await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM [CustomerConversion]`))?.n ?? 0);
    return after - before;
  });
  return { read: rows.length, added };
}

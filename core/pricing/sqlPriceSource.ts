// PriceSource over the PRONTO-shaped ERP tables (SPEC 3): deb_master.price_code, stock_master,
// stock_price, deb_special_price, stock_warehouse_detail. A cart is read with one query per table.
import type { Db, Params } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { PriceLevelBreak, ProductFacts } from './priceRules.js';
import { ErpUnavailableError, type CartFacts, type PriceSource } from './priceSource.js';
import type { ErpConnection } from './erpConnection.js';
import { erpReads } from '../erp/erpReads.js';

interface ProductRow {
  stock_code: string;
  condition_code: string | null;
  base_price: number | null;
  special: number | null;
  qty_on_hand: number | null;
  qty_committed: number | null;
  stocked: number | null;
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

function inList(prefix: string, values: readonly string[], params: Params): string {
  return values
    .map((v, i) => {
      params[`${prefix}${i}`] = v;
      return `@${prefix}${i}`;
    })
    .join(', ');
}

export class SqlPriceSource implements PriceSource {
  constructor(
    private readonly connection: ErpConnection,
    private readonly logger?: Logger,
  ) {}

  async load(customer: string, warehouse: string, products: readonly string[]): Promise<CartFacts> {
    const unique = [...new Set(products)];
    let db = await this.open();
    try {
      return await this.read(db, customer, warehouse, unique);
    } catch (first) {
      // A refresh may have swapped the connection between our queries: one more try on the new one.
      const again = await this.open().catch(() => null);
      if (again && again !== db) {
        db = again;
        try {
          return await this.read(db, customer, warehouse, unique);
        } catch (err) {
          throw this.unavailable(db, err);
        }
      }
      throw this.unavailable(db, first);
    }
  }

  async ping(): Promise<void> {
    const db = await this.open();
    try {
      const { top, tail } = db.limit(1);
      await db.get(`SELECT ${top} [stock_code] FROM [stock_master] ${tail}`);
    } catch (err) {
      throw this.unavailable(db, err);
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private async open(): Promise<Db> {
    try {
      return await this.connection.db();
    } catch (err) {
      this.logger?.debug({ err }, 'opening the ERP failed');
      throw new ErpUnavailableError('the ERP is unreachable', { cause: err });
    }
  }

  private unavailable(db: Db, err: unknown): ErpUnavailableError {
    this.connection.failed(db);
    this.logger?.debug({ err }, 'ERP price query failed');
    return new ErpUnavailableError('the ERP is unreachable', { cause: err });
  }

  private async read(connection: Db, customer: string, warehouse: string, products: readonly string[]): Promise<CartFacts> {
    // ERP rows as every event reads them: codes without CHAR padding.
    const db = erpReads(connection);
    const debtor = await db.get<{ price_code: string | null }>('SELECT [price_code] FROM [deb_master] WHERE [accountcode] = @customer', { customer });
    const facts: CartFacts = { customerKnown: debtor !== undefined, warehouseKnown: false, products: new Map() };
    if (!debtor || products.length === 0) {
      facts.warehouseKnown = await this.warehouseKnown(db, warehouse);
      return facts;
    }
    const params: Params = { customer, warehouse };
    const codes = inList('p', products, params);
    const rows = await db.all<ProductRow>(
      `SELECT m.[stock_code], m.[condition_code], m.[base_price], sp.[price] AS [special],
              w.[qty_on_hand], w.[qty_committed], CASE WHEN w.[stock_code] IS NULL THEN 0 ELSE 1 END AS [stocked]
         FROM [stock_master] m
         LEFT JOIN [deb_special_price] sp ON sp.[stock_code] = m.[stock_code] AND sp.[accountcode] = @customer
         LEFT JOIN [stock_warehouse_detail] w ON w.[stock_code] = m.[stock_code] AND w.[whse_code] = @warehouse
        WHERE m.[stock_code] IN (${codes})`,
      params,
    );
    const priceCode = (debtor.price_code ?? '').trim();
    const levels = new Map<string, PriceLevelBreak[]>();
    if (priceCode && rows.length) {
      const lp: Params = { priceCode };
      const known = inList('p', rows.map((r) => r.stock_code), lp);
      const levelRows = await db.all<{ stock_code: string; qty_break: number; price: number }>(
        `SELECT [stock_code], [qty_break], [price] FROM [stock_price] WHERE [price_code] = @priceCode AND [stock_code] IN (${known})`,
        lp,
      );
      for (const l of levelRows) {
        if (l.price === null || l.qty_break === null) continue;
        const key = String(l.stock_code);
        let list = levels.get(key);
        if (!list) levels.set(key, (list = []));
        list.push({ qtyBreak: Number(l.qty_break), price: Number(l.price) });
      }
    }
    for (const r of rows) {
      const stocked = Number(r.stocked) === 1;
      if (stocked) facts.warehouseKnown = true;
      const p: ProductFacts = {
        conditionCode: (r.condition_code ?? '').trim(),
        basePrice: num(r.base_price),
        specialPrice: num(r.special),
        levels: levels.get(String(r.stock_code)) ?? [],
        stock: stocked ? { onHand: num(r.qty_on_hand) ?? 0, committed: num(r.qty_committed) ?? 0 } : null,
      };
      facts.products.set(String(r.stock_code), p);
    }
    // A product not stocked in the warehouse is "none available" when the warehouse exists, else unknown.
    if (!facts.warehouseKnown) facts.warehouseKnown = await this.warehouseKnown(db, warehouse);
    return facts;
  }

  private async warehouseKnown(db: Db, warehouse: string): Promise<boolean> {
    const { top, tail } = db.limit(1);
    const r = await db.get(`SELECT ${top} [whse_code] FROM [stock_warehouse_detail] WHERE [whse_code] = @warehouse ${tail}`, { warehouse });
    return r !== undefined;
  }
}

// The ErpSource port: what the events read from the ERP. Reads are keyset pages (never the whole table),
// so memory stays flat however many debtors the ERP holds and no connection stays busy between pages. A page
// is ordered by the ERP's own collation; wherever the ERP is compared with the web, it is asked for exact keys.
import type { FilterCondition } from './inclusionFilter.js';

export interface ErpAddress {
  na_type: string;
  na_name: string | null;
  street: string | null;
  suburb: string | null;
  state: string | null;
  postcode: string | null;
  country: string | null;
}

export interface ErpDebtor {
  accountcode: string;
  /** The deb_master columns asked for, by column name. */
  fields: Record<string, unknown>;
  /** Every name_and_address_master row, ordered by na_type. */
  addresses: ErpAddress[];
  /**
   * The raw text of the asked columns and of every address, as the ERP engine renders it, or that text's hash
   * where the engine computes one (SQL Server): see fingerprints.
   */
  fingerprint: string;
}

export interface DebtorFingerprint {
  accountcode: string;
  fingerprint: string;
}

export interface ErpOrderLine {
  line_no: number;
  stock_code: string | null;
  qty: number | null;
  price: number | null;
}

export interface ErpOrder {
  so_order_no: string;
  accountcode: string;
  so_order_status: string | null;
  so_date_stamp: string | null;
  so_order_total: number | null;
  lines: ErpOrderLine[];
}

export interface ErpTrans {
  accountcode: string;
  trans_ref: string;
  trans_date: string | null;
  trans_type: string | null;
  amount: number | null;
  outstanding: number | null;
  pay_by_date: string | null;
}

export interface DebtorPageQuery {
  /** Exclusive lower bound on accountcode; null: from the start. */
  after: string | null;
  limit: number;
  filter: readonly FilterCondition[];
  /** deb_master columns to read (accountcode is always read). */
  columns: readonly string[];
}

export interface ErpSource {
  /** The columns deb_master has (to check mappings and filters against). */
  debtorColumns(): Promise<string[]>;
  countDebtors(filter: readonly FilterCondition[]): Promise<number>;
  /** The next debtors after `after` in accountcode order, with their addresses. */
  debtorPage(query: DebtorPageQuery): Promise<ErpDebtor[]>;
  /**
   * The next debtors' fingerprints only (the text of the asked columns and every address, concatenated by the
   * ERP engine, or that text's hash where the engine computes one): one narrow row per debtor, so a scan for
   * changes reads little.
   */
  debtorFingerprints(query: DebtorPageQuery): Promise<DebtorFingerprint[]>;
  /** These debtors (raw accountcodes), with their addresses and fingerprints, in accountcode order. */
  debtorsByCodes(codes: readonly string[], columns: readonly string[]): Promise<ErpDebtor[]>;
  /** Which of these accountcodes exist (unfiltered), asked by exactly these keys. */
  existingDebtorCodes(codes: readonly string[]): Promise<Set<string>>;
  /** Orders (with lines) of these customers dated on/after `since` (null: any date). */
  ordersOfCustomers(codes: readonly string[], since: string | null): Promise<ErpOrder[]>;
  /** Orders (with lines) after `after` in order-number order, dated on/after `since`. */
  orderPage(after: string | null, limit: number, since: string | null): Promise<ErpOrder[]>;
  /** Which of these order numbers exist, asked by exactly these keys. */
  existingOrderNumbers(orderNos: readonly string[]): Promise<Set<string>>;
  /** deb_trans rows of these customers. */
  transOfCustomers(codes: readonly string[]): Promise<ErpTrans[]>;
  /** deb_trans rows after (accountcode, trans_ref) in key order. */
  transPage(after: { accountcode: string; trans_ref: string } | null, limit: number): Promise<ErpTrans[]>;
}

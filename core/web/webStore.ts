// The WebStore port: what the events read from and write to the web store database. Writes of one batch
// go through `transaction`, together with the run's checkpoint, so a batch is either all there or not.
import type { Row } from '../db/db.js';

export interface CustomerState {
  hash: string | null;
  pendingErpPush: boolean;
  disabledByAdmin: boolean;
  source: string;
}

export interface CustomerBatch {
  /**
   * Full Customer rows to upsert. IsDisabled is the ERP's verdict (on hold / closed); the write adds an admin's
   * disable as the stored row holds it at that moment.
   */
  customers: Row[];
  /** Every CustomerAddress row of those customers. */
  addresses: Row[];
  /** Address rows of those customers the ERP no longer has. */
  staleAddresses: Array<{ code: string; type: string }>;
  /** Customer columns written on insert only (kept on an existing row). */
  insertOnly: readonly string[];
  /**
   * The rows are the ERP's as the integrator writes them: mark them so (SQLite: row versions below zero; SQL
   * Server: the versions they are left with, in CustomerErpWrite), so a later change by anyone else shows without
   * reading the rows.
   */
  recordErpWrite?: boolean;
  /**
   * The codes of these customers the web holds, and their address types, as read inside the same transaction:
   * the rest are new and may be inserted without an upsert. Omitted: every row is upserted.
   */
  existingCustomers?: ReadonlySet<string>;
  existingAddresses?: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface WebOrderState {
  hash: string | null;
  source: string;
}

export interface WebStore {
  transaction<T>(fn: (store: WebStore) => Promise<T>): Promise<T>;
  getState(key: string): Promise<string | undefined>;
  setState(key: string, value: string, at: string): Promise<void>;
  deleteState(key: string): Promise<void>;

  // Customers are always asked for by code: the codes come from an ERP page, ordered by the ERP's collation,
  // and a range of them taken on the web (another collation) would miss some.
  /** State of the web customers with these codes. */
  customerStatesOf(codes: readonly string[]): Promise<Map<string, CustomerState>>;
  /** ErpHash of the ERP-sourced web customers with these codes (the Send Changed scan). */
  erpHashesOf(codes: readonly string[]): Promise<Map<string, string | null>>;
  /** AddressType values of the customers with these codes. */
  addressTypesOf(codes: readonly string[]): Promise<Map<string, Set<string>>>;
  writeCustomers(batch: CustomerBatch): Promise<void>;
  /**
   * A first load: when the web holds no customer and no address, the secondary indexes of Customer and
   * CustomerAddress are set aside (SQLite), to be built once by buildIndexes after the load. Returns whether
   * they were.
   */
  beginBulkLoad(): Promise<boolean>;
  /**
   * Builds those indexes where one is missing: after a load, and before any other run (a load killed mid-way
   * leaves them missing; nothing is wrong without them, only slower).
   */
  buildIndexes(progress?: (done: number, total: number) => void): Promise<void>;
  /** The first row version not yet given out (rowVersionSnapshot). */
  rowVersionSnapshot(): Promise<number>;
  /**
   * ERP customers someone other than the integrator changed since the version `from`: the Customer row or an
   * address has a version past what the integrator recorded when it last wrote them.
   */
  driftCandidates(from: number): Promise<string[]>;
  /** Customer columns of these customers, by code. */
  customerRows(codes: readonly string[], columns: readonly string[]): Promise<Map<string, Row>>;
  /** Every CustomerAddress row of these customers. */
  addressRowsOf(codes: readonly string[]): Promise<Row[]>;
  /** Codes of ERP-sourced customers after `after`, in code order. */
  erpCustomerCodes(after: string | null, limit: number): Promise<string[]>;
  /** Disables ERP customers whose debtor left the ERP; returns how many changed. */
  disableRemoved(codes: readonly string[], at: string): Promise<number>;

  /** Customers whose orders and statements are integrated, after `after` in code order. */
  eligibleCustomers(after: string | null, limit: number, statuses: readonly string[] | 'all'): Promise<Array<{ code: string; status: string }>>;
  orderStates(orderNos: readonly string[]): Promise<Map<string, WebOrderState>>;
  /** Upserts orders and replaces their lines. */
  writeOrders(orders: Row[], lines: Row[]): Promise<void>;
  /** PendingGetOrders -> Active for these codes; returns how many changed. */
  promote(codes: readonly string[], at: string): Promise<number>;
  /** Order numbers of ERP-sourced web orders after `after`, in order. */
  erpOrderNumbers(after: string | null, limit: number): Promise<string[]>;
  deleteOrders(orderNos: readonly string[]): Promise<number>;

  /** Statement line keys and amounts of these customers. */
  statementLines(codes: readonly string[]): Promise<Map<string, Row>>;
  writeStatementLines(lines: Row[]): Promise<void>;
  deleteStatementLines(keys: ReadonlyArray<{ code: string; ref: string }>): Promise<number>;
}

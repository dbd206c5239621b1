// The web store tables of SPEC 4, as data. Migrations create them on either engine; the customer-code
// registry (every column a customer conversion renames) is read from the `customerCode` flags here.
import type { ColumnDef, Migration, TableDef } from '../db/schema.js';
import { addColumnIfMissing, applyColumnDefault, createIndexSql, createOrAdoptTables, createTableSql, widenColumnIfNarrower } from '../db/schema.js';
import type { Db } from '../db/db.js';

const code = (name = 'CustomerCode', extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'text', length: 20, customerCode: true, ...extra });
const text = (name: string, length: number, extra: Partial<ColumnDef> = {}): ColumnDef => ({ name, type: 'text', length, ...extra });
const at = (name: string): ColumnDef => ({ name, type: 'datetime' });

export const CUSTOMER_ACTIVE_STATUSES = ['Inactive', 'PendingGetOrders', 'Active'] as const;
export const CRM_STATUSES = ['NewCRM', 'Released', 'Approved', 'Declined'] as const;
export const CONVERSION_STATUSES = ['Pending', 'Processed', 'Failed'] as const;

export const WEB_TABLES: readonly TableDef[] = [
  {
    name: 'Customer',
    columns: [
      code(),
      // As wide as deb_master.dr_name: every web column filled from the ERP holds what its source holds.
      text('Name', 80),
      text('ActiveStatus', 20, { nullable: false, default: "'Inactive'" }),
      text('CrmStatus', 20),
      text('Site', 40),
      text('TermsCode', 10),
      text('RepCode', 10),
      text('PriceCode', 10),
      text('Email', 120),
      text('Phone', 40),
      { name: 'IsDisabled', type: 'bool', nullable: false, default: '0' },
      text('ErpHash', 64),
      at('ErpChangedAt'),
      at('WebEditedAt'),
      { name: 'PendingErpPush', type: 'bool', nullable: false, default: '0' },
      // Beyond SPEC 4: where the row came from and why it is disabled, so an admin's disable and the
      // ERP's hold/closed status can be told apart. A row is the ERP's only when the integrator wrote it from the
      // ERP (it sets 'ERP' itself); the web store knows nothing of this column, so its rows default to the web.
      text('Source', 10, { nullable: false, default: "'WEB'" }),
      text('ErpStatus', 1),
      { name: 'DisabledByAdmin', type: 'bool', nullable: false, default: '0' },
      { name: 'CreditLimit', type: 'money' },
      at('CreatedAt'),
      at('UpdatedAt'),
      // Web accounts (migration 40): the ERP code allocated or matched for a web-created customer before its
      // rows move to it, and the code the web created it under (kept so either code finds the customer).
      text('ErpCode', 20),
      text('WebCode', 20),
      // Migration 71: the ERP debtor whose email a web account has, offered to an admin (Offer Debtor Matches By
      // Email), and the admin's answer: Link (to that debtor) or New (a debtor of its own).
      text('EmailMatch', 20),
      text('EmailMatchDecision', 10),
    ],
    primaryKey: ['CustomerCode'],
    indexes: [['ActiveStatus'], ['CrmStatus', 'Site'], ['Email']],
  },
  {
    name: 'CustomerAddress',
    columns: [
      code(),
      text('AddressType', 2),
      text('Name', 80),
      text('Street', 120),
      text('Suburb', 60),
      text('State', 20),
      text('Postcode', 12),
      text('Country', 60),
    ],
    primaryKey: ['CustomerCode', 'AddressType'],
  },
  {
    name: 'WebUser',
    columns: [text('UserId', 50), text('Email', 120), text('Name', 60), { name: 'IsDisabled', type: 'bool', nullable: false, default: '0' }],
    primaryKey: ['UserId'],
    indexes: [['Email']],
  },
  {
    name: 'UserCustomer',
    columns: [text('UserId', 50), code(), { name: 'IsDefault', type: 'bool', nullable: false, default: '0' }],
    primaryKey: ['UserId', 'CustomerCode'],
    indexes: [['CustomerCode']],
  },
  {
    name: 'SalesOrder',
    columns: [
      text('OrderNo', 20),
      code(),
      text('Status', 20),
      at('OrderDate'),
      { name: 'Total', type: 'money' },
      // The integrator writes 'ERP' on the orders it brings; an order the web store inserts is the web's.
      text('Source', 10, { nullable: false, default: "'WEB'" }),
      at('SentToErpAt'),
      { name: 'IsShipped', type: 'bool', nullable: false, default: '0' },
      text('ErpHash', 64),
      at('UpdatedAt'),
      // Web accounts (migration 40): the checkout email of a guest order (no CustomerCode).
      text('Email', 120),
    ],
    primaryKey: ['OrderNo'],
    indexes: [['CustomerCode'], ['Source', 'OrderDate']],
  },
  {
    name: 'SalesOrderLine',
    columns: [text('OrderNo', 20), { name: 'LineNo', type: 'int' }, text('ProductCode', 30), { name: 'Qty', type: 'qty' }, { name: 'Price', type: 'money' }],
    primaryKey: ['OrderNo', 'LineNo'],
  },
  {
    name: 'StatementLine',
    columns: [
      code(),
      text('TransRef', 30),
      at('TransDate'),
      text('TransType', 10),
      { name: 'Amount', type: 'money' },
      { name: 'Outstanding', type: 'money' },
      at('PayByDate'),
    ],
    primaryKey: ['CustomerCode', 'TransRef'],
  },
  {
    name: 'PricingOverride',
    columns: [code(), text('ProductCode', 30), text('Source', 10), { name: 'Price', type: 'money' }, at('UpdatedAt')],
    primaryKey: ['CustomerCode', 'ProductCode', 'Source'],
  },
  {
    name: 'CustomerConversion',
    columns: [
      { name: 'Id', type: 'id' },
      text('OldCode', 20, { nullable: false }),
      text('NewCode', 20, { nullable: false }),
      at('ErpConversionDate'),
      at('ReceivedAt'),
      text('Status', 20, { nullable: false, default: "'Pending'" }),
      at('ProcessedAt'),
      text('Error', 2000),
      // JSON: rows moved per table, and rows kept from the target on collision.
      text('Details', 8000),
    ],
    primaryKey: ['Id'],
    unique: [['OldCode', 'NewCode']],
    indexes: [['Status']],
  },
  {
    name: 'IntegratorEventLog',
    columns: [{ name: 'Id', type: 'id' }, at('At'), text('Event', 40), text('Level', 10), text('Message', 2000), text('Details', 8000), { name: 'RunId', type: 'int' }],
    primaryKey: ['Id'],
    indexes: [['At']],
  },
  {
    name: 'IntegrationRun',
    columns: [
      { name: 'Id', type: 'id' },
      text('Event', 40),
      text('Mode', 20),
      at('StartedAt'),
      at('FinishedAt'),
      text('Status', 20),
      { name: 'Read', type: 'int', nullable: false, default: '0' },
      { name: 'Written', type: 'int', nullable: false, default: '0' },
      { name: 'Skipped', type: 'int', nullable: false, default: '0' },
      { name: 'Failed', type: 'int', nullable: false, default: '0' },
      text('Error', 2000),
      text('Details', 8000),
    ],
    primaryKey: ['Id'],
    indexes: [['Event', 'StartedAt']],
  },
  {
    // SQL Server: what Customer Master last wrote from the ERP, as the row versions it left (migration 72): a web
    // edit of an ERP-owned field shows as a Customer or CustomerAddress row version past these, without reading
    // the rows. SQLite marks the integrator's writes in the rows themselves (integratorVersionsBelowZero).
    name: 'CustomerErpWrite',
    columns: [code(), { name: 'CustomerVersion', type: 'bigint', nullable: false, default: '0' }, { name: 'AddressVersion', type: 'bigint', nullable: false, default: '0' }],
    primaryKey: ['CustomerCode'],
  },
  {
    // Checkpoints and watermarks of the events (e.g. the last Send Changed stamp, a run's resume key).
    name: 'IntegrationState',
    columns: [text('Key', 100), text('Value', 4000), at('UpdatedAt')],
    primaryKey: ['Key'],
  },
  {
    // Numbering sequences for codes the integrator creates (web accounts -> ERP debtors).
    name: 'NumberingSequence',
    columns: [text('Name', 50), { name: 'NextValue', type: 'int', nullable: false, default: '1' }],
    primaryKey: ['Name'],
  },
];

export const WEB_TABLES_BY_NAME: ReadonlyMap<string, TableDef> = new Map(WEB_TABLES.map((t) => [t.name, t]));

/**
 * Who runs which event now, where every instance meets: one row per run lock (an event, or the events that never
 * run beside each other), naming the run and the process that holds it. On SQLite the row is the lock (a heartbeat
 * keeps it; a stale one is taken over); on SQL Server an application lock is, and the row says who holds it.
 */
export const RUN_LOCK_TABLE: TableDef = {
  name: 'IntegrationLock',
  columns: [
    text('Resource', 40),
    text('Event', 40),
    { name: 'RunId', type: 'int' },
    text('Command', 100),
    text('RunTrigger', 20),
    text('Host', 255),
    { name: 'Pid', type: 'int' },
    at('StartedAt'),
    at('HeartbeatAt'),
    text('Owner', 64),
  ],
  primaryKey: ['Resource'],
};

/** Tables whose rows carry a RowVersion that changes on every insert and update, by anyone. */
export const VERSIONED_TABLES = ['Customer', 'CustomerAddress'] as const;

/**
 * A RowVersion column on Customer and CustomerAddress that the database itself moves on every insert and update,
 * whoever writes: SQL Server's rowversion (read as a BIGINT), emulated on SQLite by triggers drawing from one
 * clock (an update moves it; a row inserted by anyone but the integrator stays at 0, which driftCandidates looks
 * for too). On SQLite deleting an address moves its customer's version too, and the integrator's own writes from
 * the ERP carry a version below zero (see INTEGRATOR_VERSIONS_BELOW_ZERO).
 */
export async function addRowVersions(db: Db): Promise<void> {
  for (const table of VERSIONED_TABLES) {
    const columns = await db.columns(table);
    if (db.kind === 'mssql') {
      if (columns.includes('RowVersion')) continue;
      // One rowversion column per table: use the web store's own when it has one.
      const own = await db.get<{ name: string }>(`SELECT c.[name] FROM sys.columns c WHERE c.[object_id] = OBJECT_ID(@t) AND c.[system_type_id] = 189`, { t: table });
      const stamp = own?.name ?? 'RowStamp';
      if (!own) await db.exec(`ALTER TABLE [${table}] ADD [RowStamp] rowversion`);
      await db.exec(`ALTER TABLE [${table}] ADD [RowVersion] AS CAST([${stamp.replace(/]/g, ']]')}] AS BIGINT)`);
      continue;
    } else {
      await db.exec(`CREATE TABLE IF NOT EXISTS [RowVersionClock] ([Id] INTEGER PRIMARY KEY, [Value] INTEGER NOT NULL); INSERT OR IGNORE INTO [RowVersionClock] ([Id], [Value]) VALUES (1, 0)`);
      if (!columns.includes('RowVersion')) {
        await db.exec(`ALTER TABLE [${table}] ADD COLUMN [RowVersion] INTEGER NOT NULL DEFAULT 0`);
        // Rows already there are not "inserted by the web" (version 0): they get the clock's first version.
        await db.exec(`UPDATE [${table}] SET [RowVersion] = 1; UPDATE [RowVersionClock] SET [Value] = MAX([Value], 1) WHERE [Id] = 1`);
      }
      const tick = `UPDATE [RowVersionClock] SET [Value] = [Value] + 1 WHERE [Id] = 1;`;
      const clock = `(SELECT [Value] FROM [RowVersionClock] WHERE [Id] = 1)`;
      // Updates only: a row the web store inserts keeps version 0, which marks it as never written by the integrator
      // (the integrator gives every row it writes a version from the clock, so its writes pass the trigger by).
      await db.exec(
        `CREATE TRIGGER IF NOT EXISTS [TR_${table}_RowVersion_Update] AFTER UPDATE ON [${table}] FOR EACH ROW WHEN NEW.[RowVersion] = OLD.[RowVersion] BEGIN ${tick} UPDATE [${table}] SET [RowVersion] = ${clock} WHERE rowid = NEW.rowid; END;`,
      );
      if (table === 'CustomerAddress') {
        await db.exec(
          `CREATE TRIGGER IF NOT EXISTS [TR_CustomerAddress_RowVersion_Delete] AFTER DELETE ON [CustomerAddress] FOR EACH ROW BEGIN ${tick} UPDATE [Customer] SET [RowVersion] = ${clock} WHERE [CustomerCode] = OLD.[CustomerCode]; END;`,
        );
      }
    }
    await db.exec(createIndexSql(db.kind, table, ['RowVersion']));
  }
}

/**
 * SQLite (migration 100): Customer Master writes each row it brings from the ERP with the negative of a version
 * drawn from the clock. A row at a negative version is as the integrator left it; the update trigger gives any
 * other write a positive version from the same clock, and a row the web store inserts stays at 0. So "changed by
 * someone else since version v" is `RowVersion >= v OR RowVersion = 0`, a range of the RowVersion index, with
 * nothing recorded per customer: CustomerErpWrite is kept on SQL Server only, where rowversion moves on every
 * write. Rows the integrator wrote before (their versions recorded in CustomerErpWrite) take the negative of that
 * version; rows changed since keep theirs, so the next run still finds them.
 */
export async function integratorVersionsBelowZero(db: Db): Promise<void> {
  if (db.kind !== 'sqlite') return;
  // The triggers stand aside: each row's version changes (v -> -v).
  await db.run(
    `UPDATE [Customer] SET [RowVersion] = -[RowVersion]
      WHERE [RowVersion] > 0 AND EXISTS (SELECT 1 FROM [CustomerErpWrite] w WHERE w.[CustomerCode] = [Customer].[CustomerCode] AND w.[CustomerVersion] = [Customer].[RowVersion])`,
  );
  await db.run(
    `UPDATE [CustomerAddress] SET [RowVersion] = -[RowVersion]
      WHERE [RowVersion] > 0 AND [RowVersion] <= (SELECT w.[AddressVersion] FROM [CustomerErpWrite] w WHERE w.[CustomerCode] = [CustomerAddress].[CustomerCode])`,
  );
  await db.run(`DELETE FROM [CustomerErpWrite]`);
}

/**
 * The secondary indexes the integrator gives Customer and CustomerAddress (migrations 1, 40 and 72). A first load
 * into empty tables builds them once at the end instead of row by row (SqlWebStore.beginBulkLoad).
 */
export const CUSTOMER_INDEXES: ReadonlyArray<{ table: string; columns: string[] }> = [
  ...(WEB_TABLES_BY_NAME.get('Customer')!.indexes ?? []).map((columns) => ({ table: 'Customer', columns })),
  { table: 'Customer', columns: ['ErpCode'] },
  { table: 'Customer', columns: ['WebCode'] },
  ...VERSIONED_TABLES.map((table) => ({ table, columns: ['RowVersion'] })),
];

/** The first row version not yet given out: rows written from now on have this version or a later one. */
export async function rowVersionSnapshot(db: Db): Promise<number> {
  const r =
    db.kind === 'mssql'
      ? await db.get<{ v: number | string }>(`SELECT CAST(MIN_ACTIVE_ROWVERSION() AS BIGINT) AS [v]`)
      : await db.get<{ v: number }>(`SELECT [Value] + 1 AS [v] FROM [RowVersionClock] WHERE [Id] = 1`);
  return Number(r?.v ?? 0);
}

/** Every (table, column) that holds a customer code. A table added with a `customerCode` column is covered. */
export function customerCodeColumns(tables: readonly TableDef[] = WEB_TABLES): Array<{ table: string; column: string }> {
  return tables.flatMap((t) => t.columns.filter((c) => c.customerCode).map((c) => ({ table: t.name, column: c.name })));
}

/**
 * Web migrations. Version ranges keep capabilities apart: 1-9 foundation, 10-19 customer/orders/statements,
 * 20-29 conversions, 30-39 pricing, 40-49 web accounts/CRM, 50-59 the running integrator, 70-79 web rows and
 * the ERP as data of record, 80-89 SQL Server, 90-99 the run pipeline, 100-109 Customer Master speed.
 */
export const WEB_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'web schema',
    tables: WEB_TABLES,
    // On a database the web store already uses, its tables are adopted (the integrator's own columns added) when
    // their shape fits; checkMigratable refuses the database otherwise. The customers already there are the
    // store's: none was written from the ERP, so none is the ERP's to disable when it is not in the ERP.
    up: async (db) => {
      const added = await createOrAdoptTables(db, WEB_TABLES);
      if (added.get('Customer')?.includes('Source')) await db.run(`UPDATE [Customer] SET [Source] = 'WEB'`);
    },
  },
  {
    version: 40,
    description: 'web accounts: Customer.ErpCode, Customer.WebCode (indexed), SalesOrder.Email',
    up: async (db) => {
      await addColumnIfMissing(db, WEB_TABLES_BY_NAME.get('Customer')!, 'ErpCode');
      await addColumnIfMissing(db, WEB_TABLES_BY_NAME.get('Customer')!, 'WebCode');
      await addColumnIfMissing(db, WEB_TABLES_BY_NAME.get('SalesOrder')!, 'Email');
      // Codes are looked up by either: numbering checks ErpCode, admin actions accept the web's code.
      await db.exec(createIndexSql(db.kind, 'Customer', ['ErpCode']));
      await db.exec(createIndexSql(db.kind, 'Customer', ['WebCode']));
    },
  },
  {
    version: 70,
    description: "web rows are the web's: Customer.Source and SalesOrder.Source default to WEB; rows the integrator never wrote from the ERP become WEB",
    up: async (db) => {
      await applyColumnDefault(db, WEB_TABLES_BY_NAME.get('Customer')!, 'Source');
      await applyColumnDefault(db, WEB_TABLES_BY_NAME.get('SalesOrder')!, 'Source');
      // The integrator's writes from the ERP leave a mark the web store cannot: Customer Master sets ErpHash and
      // CreatedAt, a web account that became an ERP debtor keeps WebCode. A row with none of them was inserted by
      // the web store and took the old default. If a Send All disabled it as "gone from the ERP" (ErpStatus C),
      // that is undone: it is enabled again unless an admin disabled it.
      await db.run(
        `UPDATE [Customer] SET [Source] = 'WEB',
                [IsDisabled] = CASE WHEN [ErpStatus] = 'C' THEN [DisabledByAdmin] ELSE [IsDisabled] END,
                [ErpStatus] = CASE WHEN [ErpStatus] = 'C' THEN NULL ELSE [ErpStatus] END
          WHERE [Source] = 'ERP' AND [ErpHash] IS NULL AND [CreatedAt] IS NULL AND [WebCode] IS NULL`,
      );
      // Get Orders stamps every order it brings with its ErpHash.
      await db.run(`UPDATE [SalesOrder] SET [Source] = 'WEB' WHERE [Source] = 'ERP' AND [ErpHash] IS NULL`);
    },
  },
  {
    version: 71,
    description: 'web accounts by email wait for an admin: Customer.EmailMatch, Customer.EmailMatchDecision',
    up: async (db) => {
      await addColumnIfMissing(db, WEB_TABLES_BY_NAME.get('Customer')!, 'EmailMatch');
      await addColumnIfMissing(db, WEB_TABLES_BY_NAME.get('Customer')!, 'EmailMatchDecision');
    },
  },
  {
    version: 72,
    description: 'ERP data of record in every run: RowVersion on Customer and CustomerAddress, CustomerErpWrite',
    up: async (db) => {
      await addRowVersions(db);
      for (const sql of createTableSql(db.kind, WEB_TABLES_BY_NAME.get('CustomerErpWrite')!)) await db.exec(sql);
    },
  },
  {
    version: 80,
    description: 'web columns as wide as their ERP sources: Customer.Name, CustomerAddress.Name hold 80 characters',
    up: async (db) => {
      await widenColumnIfNarrower(db, WEB_TABLES_BY_NAME.get('Customer')!, 'Name');
      await widenColumnIfNarrower(db, WEB_TABLES_BY_NAME.get('CustomerAddress')!, 'Name');
    },
  },
  {
    version: 90,
    description: 'one runner per event across processes and machines: IntegrationLock',
    tables: [RUN_LOCK_TABLE],
    up: async (db) => {
      await createOrAdoptTables(db, [RUN_LOCK_TABLE]);
    },
  },
  {
    version: 100,
    description: "SQLite: the integrator's writes from the ERP carry row versions below zero; CustomerErpWrite is kept on SQL Server only",
    up: integratorVersionsBelowZero,
  },
];

// The web store tables of SPEC 4, as data. Migrations create them on either engine; the customer-code
// registry (every column a customer conversion renames) is read from the `customerCode` flags here.
import type { ColumnDef, Migration, TableDef } from '../db/schema.js';
import { addColumnIfMissing, createIndexSql, createOrAdoptTables, widenColumnIfNarrower } from '../db/schema.js';

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
      // ERP's hold/closed status can be told apart.
      text('Source', 10, { nullable: false, default: "'ERP'" }),
      text('ErpStatus', 1),
      { name: 'DisabledByAdmin', type: 'bool', nullable: false, default: '0' },
      { name: 'CreditLimit', type: 'money' },
      at('CreatedAt'),
      at('UpdatedAt'),
      // Web accounts (migration 40): the ERP code allocated or matched for a web-created customer before its
      // rows move to it, and the code the web created it under (kept so either code finds the customer).
      text('ErpCode', 20),
      text('WebCode', 20),
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
      text('Source', 10, { nullable: false, default: "'ERP'" }),
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

/** Every (table, column) that holds a customer code. A table added with a `customerCode` column is covered. */
export function customerCodeColumns(tables: readonly TableDef[] = WEB_TABLES): Array<{ table: string; column: string }> {
  return tables.flatMap((t) => t.columns.filter((c) => c.customerCode).map((c) => ({ table: t.name, column: c.name })));
}

/**
 * Web migrations. Version ranges keep capabilities apart: 1-9 foundation, 10-19 customer/orders/statements,
 * 20-29 conversions, 30-39 pricing, 40-49 web accounts/CRM, 50-59 the running integrator, 80-89 SQL Server.
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
    version: 80,
    description: 'web columns as wide as their ERP sources: Customer.Name, CustomerAddress.Name hold 80 characters',
    up: async (db) => {
      await widenColumnIfNarrower(db, WEB_TABLES_BY_NAME.get('Customer')!, 'Name');
      await widenColumnIfNarrower(db, WEB_TABLES_BY_NAME.get('CustomerAddress')!, 'Name');
    },
  },
];

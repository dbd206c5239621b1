// SQL Server parameter types. A string sent as NVARCHAR(MAX) against a VARCHAR column makes SQL Server convert
// the column on every row (a scan, not a seek); a date sent as text is read through the login's DATEFORMAT.
// So a value written to a known column is typed as that column; a value without a known column is typed by
// itself: ASCII text as VARCHAR (it compares with VARCHAR and NVARCHAR columns alike and converts losslessly in
// every code page), other text as NVARCHAR, a Date as DATETIME2. Lengths come in a few fixed sizes so SQL Server
// keeps one plan per statement.
import sql from 'mssql';

/** A column as INFORMATION_SCHEMA.COLUMNS describes it. */
export interface ColumnType {
  /** DATA_TYPE, lower case: nvarchar, varchar, char, int, decimal, datetime2, ... */
  type: string;
  /** CHARACTER_MAXIMUM_LENGTH in characters; -1 for (MAX); null when not text. */
  length: number | null;
  precision: number | null;
  scale: number | null;
}

export interface TypedValue {
  type: sql.ISqlType;
  value: unknown;
}

const TEXT = new Set(['char', 'varchar', 'text', 'nchar', 'nvarchar', 'ntext']);
const DATES = new Set(['date', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset']);
// 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]': the ISO text the integrator keeps dates in.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const isAscii = (s: string) => /^[\x00-\x7f]*$/.test(s);

/** A text type of at least `needed` characters: the column's own width when it is wide enough, else a wider one. */
function textType(unicode: boolean, needed: number, columnLength: number | null): sql.ISqlType {
  const max = unicode ? 4000 : 8000;
  let len = columnLength !== null && columnLength > 0 ? Math.max(columnLength, needed) : needed <= max ? max : -1;
  if (columnLength === -1 || len > max) len = -1;
  const factory = unicode ? sql.NVarChar : sql.VarChar;
  return factory(len === -1 ? sql.MAX : len);
}

function dateType(column: string, scale: number | null): sql.ISqlType {
  switch (column) {
    case 'date':
      return sql.Date();
    case 'datetime':
      return sql.DateTime();
    case 'smalldatetime':
      return sql.SmallDateTime();
    case 'datetimeoffset':
      return sql.DateTimeOffset(scale ?? 7);
    default:
      return sql.DateTime2(scale ?? 7);
  }
}

function numberType(v: number, column?: ColumnType): sql.ISqlType {
  switch (column?.type) {
    case 'decimal':
    case 'numeric':
      return sql.Decimal(column.precision ?? 18, column.scale ?? 0);
    case 'money':
      return sql.Money();
    case 'smallmoney':
      return sql.SmallMoney();
    case 'float':
      return sql.Float();
    case 'real':
      return sql.Real();
    case 'bit':
      return sql.Bit();
    case 'bigint':
      return sql.BigInt();
    case 'int':
    case 'smallint':
    case 'tinyint':
      if (Number.isInteger(v)) return Math.abs(v) < 2 ** 31 ? sql.Int() : sql.BigInt();
  }
  if (Number.isInteger(v)) return Math.abs(v) < 2 ** 31 ? sql.Int() : sql.BigInt();
  return sql.Float();
}

/** The type a NULL is sent as: the column's, else a short NVARCHAR. */
function nullType(column?: ColumnType): sql.ISqlType {
  if (!column) return sql.NVarChar(4000);
  if (TEXT.has(column.type)) return textType(column.type.startsWith('n'), 0, column.length);
  if (DATES.has(column.type)) return dateType(column.type, column.scale);
  if (column.type === 'bit') return sql.Bit();
  return numberType(0.5, column);
}

/** A value as a typed SQL Server parameter, typed to its column when the column is known. */
export function typedValue(v: unknown, column?: ColumnType): TypedValue {
  if (v === undefined || v === null) return { type: nullType(column), value: null };
  // A number written to a text column goes as its text (what SQL Server's own conversion would store).
  if ((typeof v === 'number' || typeof v === 'bigint') && column && TEXT.has(column.type)) return typedValue(String(v), column);
  if (typeof v === 'boolean') return { type: sql.Bit(), value: v };
  if (typeof v === 'number') return { type: numberType(v, column), value: v };
  if (typeof v === 'bigint') return { type: sql.BigInt(), value: v.toString() };
  if (Buffer.isBuffer(v)) return { type: sql.VarBinary(sql.MAX), value: v };
  if (v instanceof Date) {
    if (column && TEXT.has(column.type)) return typedValue(v.toISOString(), column);
    return { type: dateType(column?.type ?? 'datetime2', column?.scale ?? null), value: v };
  }
  const s = String(v);
  if (column && DATES.has(column.type) && ISO.test(s.trim())) {
    const d = new Date(s.trim());
    if (!Number.isNaN(d.getTime())) return { type: dateType(column.type, column.scale), value: d };
  }
  if (column && TEXT.has(column.type)) {
    // As the column holds it: a VARCHAR column gets VARCHAR (sent in the column's code page, as SQL Server would
    // convert it anyway); text/ntext are (MAX) types; a fixed char(n) is matched by a varchar of its width.
    return { type: textType(column.type.startsWith('n'), s.length, column.type.endsWith('text') ? -1 : column.length), value: s };
  }
  return { type: textType(!isAscii(s), s.length, null), value: s };
}

/** The type of a column of a #temp table that holds a column's values (the column's own type when known). */
export function columnSqlType(column: ColumnType | undefined, values: readonly unknown[]): { type: sql.ISqlType; declaration: string } {
  let type: sql.ISqlType;
  if (column) type = typedValue(null, column).type;
  else {
    // Unknown column (a synonym at an ERP site): the widest of the values' own types.
    const present = values.filter((v) => v !== null && v !== undefined);
    if (present.every((v) => typeof v === 'number')) type = present.every((v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 31) ? sql.Int() : sql.Float();
    else if (present.every((v) => typeof v === 'boolean')) type = sql.Bit();
    else if (present.length && present.every((v) => v instanceof Date)) type = sql.DateTime2(7);
    else type = textType(!present.every((v) => isAscii(String(v))), Math.max(0, ...present.map((v) => String(v).length)), null);
  }
  return { type, declaration: declaration(type) };
}

/** The T-SQL declaration of a parameter type, e.g. nvarchar(80), decimal(19, 4), varchar(MAX). */
export function declaration(t: sql.ISqlType): string {
  const name = (t.type as unknown as { declaration?: string }).declaration ?? 'sql_variant';
  const x = t as sql.ISqlType & { length?: number; precision?: number; scale?: number };
  switch (name) {
    case 'varchar':
    case 'nvarchar':
    case 'varbinary':
      return `${name}(${x.length === undefined || x.length === sql.MAX || x.length > (name === 'nvarchar' ? 4000 : 8000) ? 'MAX' : x.length})`;
    case 'decimal':
    case 'numeric':
      return `${name}(${x.precision ?? 18}, ${x.scale ?? 0})`;
    case 'datetime2':
    case 'datetimeoffset':
    case 'time':
      return `${name}(${x.scale ?? 7})`;
    default:
      return name;
  }
}

import { bVarchar, DEFAULT_COLLATION } from './tokens.ts';

/**
 * Result sets: COLMETADATA (0x81, [MS-TDS] 2.2.7.4) then one ROW (0xD1, 2.2.7.20) per row. Every column is sent as
 * a nullable type of the spec's "Data Type Definitions" (2.2.5.4): NVARCHARTYPE (0xE7, USHORT byte length), INTNTYPE
 * (0x26, 4 or 8 bytes), FLTNTYPE (0x6D, 8), BITNTYPE (0x68, 1), DATENTYPE (0x28, 3 bytes of days since 0001-01-01)
 * and DATETIME2NTYPE (0x2A, scale 6: 5 bytes of microseconds since midnight, then the date).
 */
export type SqlColumnType = 'nvarchar' | 'int' | 'bigint' | 'float' | 'bit' | 'date' | 'datetime2';

export interface SqlColumn {
  name: string;
  type: SqlColumnType;
}

const NULLABLE = 0x0001;
const DAY_MS = 86_400_000;
/** Days from 0001-01-01 to 1970-01-01 in the proleptic Gregorian calendar. */
const EPOCH_DAYS = 719_162;

function typeInfo(type: SqlColumnType): Buffer {
  switch (type) {
    case 'nvarchar': {
      const info = Buffer.alloc(3);
      info[0] = 0xe7;
      info.writeUInt16LE(8000, 1); // NVARCHAR(4000)
      return Buffer.concat([info, DEFAULT_COLLATION]);
    }
    case 'int':
      return Buffer.from([0x26, 4]);
    case 'bigint':
      return Buffer.from([0x26, 8]);
    case 'float':
      return Buffer.from([0x6d, 8]);
    case 'bit':
      return Buffer.from([0x68, 1]);
    case 'date':
      return Buffer.from([0x28]);
    case 'datetime2':
      return Buffer.from([0x2a, 6]);
  }
}

export function colMetadata(columns: readonly SqlColumn[]): Buffer {
  const head = Buffer.alloc(3);
  head[0] = 0x81;
  head.writeUInt16LE(columns.length, 1);
  const parts: Buffer[] = [head];
  for (const column of columns) {
    const flags = Buffer.alloc(6); // UserType ULONG 0, Flags USHORT
    flags.writeUInt16LE(NULLABLE, 4);
    parts.push(flags, typeInfo(column.type), bVarchar(column.name));
  }
  return Buffer.concat(parts);
}

function daysOf(value: Date): number {
  return Math.floor(value.getTime() / DAY_MS) + EPOCH_DAYS;
}

function uint(bytes: number, value: number | bigint): Buffer {
  const out = Buffer.alloc(bytes);
  let v = BigInt(value);
  for (let i = 0; i < bytes; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function toDate(value: unknown, column: SqlColumn): Date {
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime()))
    throw new Error(`column ${column.name}: '${String(value)}' is not a date`);
  return date;
}

function cell(value: unknown, column: SqlColumn): Buffer {
  const isNull = value === null || value === undefined;
  switch (column.type) {
    case 'nvarchar': {
      if (isNull) return Buffer.from([0xff, 0xff]);
      const text = Buffer.from(String(value), 'utf16le');
      return Buffer.concat([uint(2, Math.min(text.length, 8000)), text.subarray(0, 8000)]);
    }
    case 'int':
    case 'bigint': {
      if (isNull) return Buffer.from([0]);
      const size = column.type === 'int' ? 4 : 8;
      const out = Buffer.alloc(1 + size);
      out[0] = size;
      if (size === 4) out.writeInt32LE(Number(value), 1);
      else out.writeBigInt64LE(BigInt(value as number | bigint), 1);
      return out;
    }
    case 'float': {
      if (isNull) return Buffer.from([0]);
      const out = Buffer.alloc(9);
      out[0] = 8;
      out.writeDoubleLE(Number(value), 1);
      return out;
    }
    case 'bit':
      return isNull ? Buffer.from([0]) : Buffer.from([1, value ? 1 : 0]);
    case 'date':
      return isNull
        ? Buffer.from([0])
        : Buffer.concat([Buffer.from([3]), uint(3, daysOf(toDate(value, column)))]);
    case 'datetime2': {
      if (isNull) return Buffer.from([0]);
      const date = toDate(value, column);
      const micros = BigInt((((date.getTime() % DAY_MS) + DAY_MS) % DAY_MS) * 1000);
      return Buffer.concat([Buffer.from([8]), uint(5, micros), uint(3, daysOf(date))]);
    }
  }
}

export function rowToken(values: readonly unknown[], columns: readonly SqlColumn[]): Buffer {
  return Buffer.concat([Buffer.from([0xd1]), ...columns.map((column, i) => cell(values[i], column))]);
}

/** The TDS type for a DuckDB result column (DuckDBType.toString()). */
export function sqlTypeOfDuck(duckType: string): SqlColumnType {
  const t = duckType.toUpperCase();
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'datetime2';
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return 'float';
  if (t === 'INTEGER' || t === 'SMALLINT' || t === 'TINYINT' || t === 'UTINYINT' || t === 'USMALLINT')
    return 'int';
  if (t === 'BIGINT' || t === 'HUGEINT' || t === 'UINTEGER' || t === 'UBIGINT') return 'bigint';
  if (t === 'BOOLEAN') return 'bit';
  return 'nvarchar';
}

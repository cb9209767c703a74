/**
 * The server's token stream ([MS-TDS] 2.2.7, https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/
 * 67b6113a-5c2c-4e9c-9a38-1d4fd6a8e6d0 "Token Stream Definitions"): each function returns one token's bytes, as the
 * spec's "Token Stream-Specific Rules" lay them out (little-endian unless the spec says otherwise).
 */
const ucs2 = (text: string) => Buffer.from(text, 'utf16le');

/** B_VARCHAR: BYTE character count, then UCS-2 ([MS-TDS] 2.2.5.1.3). */
export function bVarchar(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), ucs2(text)]);
}

/** US_VARCHAR: USHORT character count, then UCS-2. */
export function usVarchar(text: string): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16LE(text.length);
  return Buffer.concat([head, ucs2(text)]);
}

function withLength(tokenType: number, body: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = tokenType;
  head.writeUInt16LE(body.length, 1);
  return Buffer.concat([head, body]);
}

/**
 * SQL_Latin1_General_CP1_CI_AS as the 5-byte COLLATION ([MS-TDS] 2.2.5.1.2): LCID 0x0409 with the
 * ignore-case/kana/width flags, SortId 52. The server's default collation, sent for NVARCHAR columns (whose UCS-2
 * text the collation does not change) and in the collation ENVCHANGE.
 */
export const DEFAULT_COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** ENVCHANGE (0xE3, 2.2.7.9): type 1 database, 2 language, 4 packet size (B_VARCHAR values); 7 collation (B_VARBYTE). */
export function envChange(type: 1 | 2 | 4, newValue: string, oldValue: string): Buffer {
  return withLength(0xe3, Buffer.concat([Buffer.from([type]), bVarchar(newValue), bVarchar(oldValue)]));
}

export function collationChange(collation: Buffer): Buffer {
  return withLength(0xe3, Buffer.concat([Buffer.from([7, collation.length]), collation, Buffer.from([0])]));
}

/** LOGINACK (0xAD, 2.2.7.14): interface 1 (SQL_TSQL), the TDS version big-endian (0x74000004 is 7.4), name, version. */
export function loginAck(
  tdsVersion: number,
  progName: string,
  version: [number, number, number, number],
): Buffer {
  const tds = Buffer.alloc(4);
  tds.writeUInt32BE(tdsVersion);
  return withLength(0xad, Buffer.concat([Buffer.from([1]), tds, bVarchar(progName), Buffer.from(version)]));
}

/**
 * FEATUREEXTACK (0xAE, 2.2.7.11): FeatureId BYTE, FeatureAckDataLen DWORD, data; 0xFF ends it. For FEDAUTH (0x02)
 * with the security-token library the acknowledgement carries no data (the nonce/signature exist only for the
 * ADAL workflows).
 */
export function featureExtAck(features: { id: number; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0xae])];
  for (const feature of features) {
    const head = Buffer.alloc(5);
    head[0] = feature.id;
    head.writeUInt32LE(feature.data.length, 1);
    parts.push(head, feature.data);
  }
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

export interface ServerMessage {
  number: number;
  /** 0-10 informational, 11-16 errors the user can correct, 17+ resource/server problems. */
  class: number;
  state?: number;
  message: string;
  serverName?: string;
  lineNumber?: number;
}

function messageToken(tokenType: number, m: ServerMessage): Buffer {
  const number = Buffer.alloc(6);
  number.writeInt32LE(m.number);
  number[4] = m.state ?? 1;
  number[5] = m.class;
  const line = Buffer.alloc(4);
  line.writeInt32LE(m.lineNumber ?? 1);
  return withLength(
    tokenType,
    Buffer.concat([number, usVarchar(m.message), bVarchar(m.serverName ?? ''), bVarchar(''), line]),
  );
}

/** ERROR (0xAA, 2.2.7.10): Number, State, Class, MsgText, ServerName, ProcName, LineNumber. */
export const errorToken = (m: ServerMessage) => messageToken(0xaa, m);
/** INFO (0xAB, 2.2.7.13): the same layout as ERROR. */
export const infoToken = (m: ServerMessage) => messageToken(0xab, m);

export const DONE_STATUS = { FINAL: 0x00, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const;

/** DONE (0xFD, 2.2.7.6): Status USHORT, CurCmd USHORT, DoneRowCount ULONGLONG (TDS 7.2+). */
export function done(status: number, rowCount = 0, curCmd = 0): Buffer {
  const token = Buffer.alloc(13);
  token[0] = 0xfd;
  token.writeUInt16LE(status, 1);
  token.writeUInt16LE(curCmd, 3);
  token.writeBigUInt64LE(BigInt(rowCount), 5);
  return token;
}

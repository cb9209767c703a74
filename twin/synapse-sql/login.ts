import { ProtocolError } from './packets.ts';

/**
 * PRELOGIN ([MS-TDS] 2.2.6.5, https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/
 * 60f56408-0188-4cd5-8b90-25c6f2423868): option tokens (Token BYTE, Offset USHORT, Length USHORT, big-endian),
 * 0xFF, then the option data.
 */
export const PRELOGIN_OPTION = {
  VERSION: 0x00,
  ENCRYPTION: 0x01,
  INSTOPT: 0x02,
  THREADID: 0x03,
  MARS: 0x04,
  TRACEID: 0x05,
  FEDAUTHREQUIRED: 0x06,
  TERMINATOR: 0xff,
} as const;

/** ENCRYPTION values: ENCRYPT_OFF, _ON, _NOT_SUP, _REQ. */
export const ENCRYPT = { OFF: 0x00, ON: 0x01, NOT_SUP: 0x02, REQ: 0x03 } as const;

export function parsePrelogin(payload: Buffer): Map<number, Buffer> {
  const options = new Map<number, Buffer>();
  for (let at = 0; ; at += 5) {
    if (at >= payload.length) throw new ProtocolError('PRELOGIN has no terminator (0xFF)');
    const token = payload[at]!;
    if (token === PRELOGIN_OPTION.TERMINATOR) return options;
    if (at + 5 > payload.length) throw new ProtocolError('PRELOGIN option header is truncated');
    const offset = payload.readUInt16BE(at + 1);
    const length = payload.readUInt16BE(at + 3);
    if (offset + length > payload.length) {
      throw new ProtocolError(`PRELOGIN option 0x${token.toString(16)} points past the message`);
    }
    options.set(token, payload.subarray(offset, offset + length));
  }
}

export function buildPrelogin(options: [number, Buffer][]): Buffer {
  const head = Buffer.alloc(options.length * 5 + 1);
  let dataOffset = head.length;
  options.forEach(([token, data], i) => {
    head[i * 5] = token;
    head.writeUInt16BE(dataOffset, i * 5 + 1);
    head.writeUInt16BE(data.length, i * 5 + 3);
    dataOffset += data.length;
  });
  head[head.length - 1] = PRELOGIN_OPTION.TERMINATOR;
  return Buffer.concat([head, ...options.map(([, data]) => data)]);
}

/** The FEDAUTH feature's library ids ([MS-TDS] 2.2.6.4, FeatureExt, FEDAUTH): 0x01 is a security token. */
export const FEDAUTH_LIBRARY = { SECURITYTOKEN: 0x01, MSAL: 0x02 } as const;
export const FEATURE = { FEDAUTH: 0x02, UTF8_SUPPORT: 0x0a, TERMINATOR: 0xff } as const;
/** TDS 7.4, the first version with FeatureExt ([MS-TDS] 2.2.6.4, TDSVersion). */
export const TDS_7_4 = 0x74000004;

export interface Login7 {
  tdsVersion: number;
  packetSize: number;
  hostName: string;
  userName: string;
  appName: string;
  serverName: string;
  database: string;
  fedAuth?: { library: number; echo: boolean; token?: string };
  features: number[];
}

/**
 * LOGIN7 ([MS-TDS] 2.2.6.4, https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/
 * 773a62b6-ee89-4c02-9e5e-344882630aac): a 94-byte fixed part (Length, TDSVersion, PacketSize, ..., then
 * offset/length pairs into the variable part, lengths in characters), the UCS-2 strings, and for TDS 7.4 with
 * fExtension set (OptionFlags3 0x10) a DWORD at ibExtension giving the offset of the FeatureExt block.
 */
export function parseLogin7(payload: Buffer): Login7 {
  if (payload.length < 94)
    throw new ProtocolError(`LOGIN7 is ${payload.length} bytes, shorter than its fixed part (94)`);
  const length = payload.readUInt32LE(0);
  if (length !== payload.length) {
    throw new ProtocolError(`LOGIN7 says it is ${length} bytes but ${payload.length} arrived`);
  }
  const text = (at: number, what: string) => {
    const offset = payload.readUInt16LE(at);
    const chars = payload.readUInt16LE(at + 2);
    if (chars === 0) return '';
    if (offset < 94 || offset + chars * 2 > payload.length) {
      throw new ProtocolError(
        `LOGIN7 ${what} (offset ${offset}, ${chars} characters) lies outside the message`,
      );
    }
    return payload.toString('utf16le', offset, offset + chars * 2);
  };
  const login: Login7 = {
    tdsVersion: payload.readUInt32LE(4),
    packetSize: payload.readUInt32LE(8),
    hostName: text(36, 'HostName'),
    userName: text(40, 'UserName'),
    appName: text(48, 'AppName'),
    serverName: text(52, 'ServerName'),
    database: text(68, 'Database'),
    features: [],
  };
  const fExtension = (payload[27]! & 0x10) !== 0;
  if (fExtension && login.tdsVersion >= TDS_7_4) readFeatureExt(payload, login);
  return login;
}

function readFeatureExt(payload: Buffer, login: Login7): void {
  const ibExtension = payload.readUInt16LE(56);
  if (ibExtension + 4 > payload.length)
    throw new ProtocolError('LOGIN7 ibExtension lies outside the message');
  let at = payload.readUInt32LE(ibExtension);
  for (;;) {
    if (at >= payload.length) throw new ProtocolError('LOGIN7 FeatureExt has no terminator (0xFF)');
    const id = payload[at]!;
    if (id === FEATURE.TERMINATOR) return;
    if (at + 5 > payload.length) throw new ProtocolError('LOGIN7 FeatureExt entry is truncated');
    const size = payload.readUInt32LE(at + 1);
    const data = payload.subarray(at + 5, at + 5 + size);
    if (data.length !== size) throw new ProtocolError(`LOGIN7 feature 0x${id.toString(16)} is truncated`);
    login.features.push(id);
    if (id === FEATURE.FEDAUTH) {
      if (data.length < 1) throw new ProtocolError('LOGIN7 FEDAUTH feature has no options byte');
      const library = data[0]! >> 1;
      const echo = (data[0]! & 1) === 1;
      let token: string | undefined;
      if (library === FEDAUTH_LIBRARY.SECURITYTOKEN) {
        if (data.length < 5) throw new ProtocolError('LOGIN7 FEDAUTH security token has no length');
        const tokenLength = data.readUInt32LE(1);
        if (5 + tokenLength > data.length)
          throw new ProtocolError('LOGIN7 FEDAUTH security token is truncated');
        token = data.toString('utf16le', 5, 5 + tokenLength);
      }
      login.fedAuth = { library, echo, ...(token !== undefined ? { token } : {}) };
    }
    at += 5 + size;
  }
}

/**
 * SQLBatch ([MS-TDS] 2.2.6.7): ALL_HEADERS (TotalLength DWORD including itself, then headers) for TDS 7.2+, then
 * the batch text in UCS-2.
 */
export function parseSqlBatch(payload: Buffer): string {
  if (payload.length < 4) throw new ProtocolError('SQLBatch is shorter than its ALL_HEADERS length');
  const total = payload.readUInt32LE(0);
  if (total < 4 || total > payload.length) {
    throw new ProtocolError(
      `SQLBatch ALL_HEADERS length ${total} does not fit the ${payload.length}-byte message`,
    );
  }
  if ((payload.length - total) % 2 !== 0)
    throw new ProtocolError('SQLBatch text is not UCS-2 (odd byte count)');
  return payload.toString('utf16le', total);
}

/**
 * RPCRequest ([MS-TDS] 2.2.6.6) for sp_executesql (ProcID 10), the procedure drivers run a statement through: the
 * statement is the first parameter (NVARCHAR, PLP-encoded when its maximum length is 0xFFFF). A call to another
 * procedure, or with declared parameters, is returned as undefined (the server refuses it by name).
 */
export function parseExecuteSql(payload: Buffer): { statement?: string; procedure: string } {
  const total = payload.readUInt32LE(0);
  let at = total;
  const nameLength = payload.readUInt16LE(at);
  at += 2;
  let procedure: string;
  if (nameLength === 0xffff) {
    const id = payload.readUInt16LE(at);
    at += 2;
    procedure = id === 10 ? 'sp_executesql' : `procedure id ${id}`;
  } else {
    procedure = payload.toString('utf16le', at, at + nameLength * 2);
    at += nameLength * 2;
  }
  if (procedure.toLowerCase() !== 'sp_executesql') return { procedure };
  at += 2; // OptionFlags
  const values: string[] = [];
  while (at < payload.length && payload[at] !== 0xff && payload[at] !== 0xfe) {
    at += 1 + payload[at]! * 2; // B_VARCHAR name
    at += 1; // StatusFlags
    const type = payload[at]!;
    if (type !== 0xe7 && type !== 0xef)
      throw new ProtocolError(`sp_executesql parameter of type 0x${type.toString(16)}`);
    const maxLength = payload.readUInt16LE(at + 1);
    at += 3 + 5; // type, max length, collation
    if (maxLength === 0xffff) {
      const length = payload.readBigUInt64LE(at);
      at += 8;
      const chunks: Buffer[] = [];
      if (length !== 0xffffffffffffffffn) {
        for (;;) {
          const chunk = payload.readUInt32LE(at);
          at += 4;
          if (chunk === 0) break;
          chunks.push(payload.subarray(at, at + chunk));
          at += chunk;
        }
      }
      values.push(Buffer.concat(chunks).toString('utf16le'));
    } else {
      const length = payload.readUInt16LE(at);
      at += 2;
      values.push(length === 0xffff ? '' : payload.toString('utf16le', at, at + length));
      if (length !== 0xffff) at += length;
    }
    if (at > payload.length) throw new ProtocolError('sp_executesql parameter is truncated');
  }
  // Declared parameters (@params) would need their values bound: the twin runs parameterless statements only.
  if (values.length !== 1 && !(values.length >= 2 && values[1] === ''))
    return { procedure: 'sp_executesql with parameters' };
  return { procedure, ...(values[0] !== undefined ? { statement: values[0] } : {}) };
}

/**
 * TDS packet framing ([MS-TDS] 2.2.3.1 "Packet Header",
 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-tds/7af53667-1b72-4703-8258-7984e838f746):
 * every message travels as packets of an 8-byte header (Type, Status, Length big-endian including the header,
 * SPID, PacketID, Window) and a payload; the packet whose Status has END_OF_MESSAGE (0x01) ends the message.
 */
export const PACKET = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  BULK_LOAD: 0x07,
  FEDAUTH_TOKEN: 0x08,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  SSPI: 0x11,
  PRELOGIN: 0x12,
} as const;

const KNOWN_TYPES = new Set<number>(Object.values(PACKET));
const HEADER = 8;
const END_OF_MESSAGE = 0x01;
/** [MS-TDS] 2.2.6.4: the packet size a client may ask for is 512..32767; before login the default is 4096. */
export const MAX_PACKET = 32_767;
export const DEFAULT_PACKET = 4_096;
/** A message larger than this is refused: no request of the refresh comes near it, a hostile client could. */
const MAX_MESSAGE = 16 * 1024 * 1024;

export interface TdsMessage {
  type: number;
  payload: Buffer;
}

/** A violation of the packet layer: the connection cannot continue (the server logs it and closes). */
export class ProtocolError extends Error {}

/**
 * Reassembles messages from the bytes of one connection. Throws ProtocolError on a length below the header or
 * above the maximum packet size, an unknown packet type, a message whose packets change type, or one too large.
 */
export class PacketReader {
  #pending: Buffer = Buffer.alloc(0);
  #type: number | undefined;
  #parts: Buffer[] = [];
  #size = 0;

  push(bytes: Buffer): TdsMessage[] {
    this.#pending = this.#pending.length === 0 ? bytes : Buffer.concat([this.#pending, bytes]);
    const messages: TdsMessage[] = [];
    while (this.#pending.length >= HEADER) {
      const type = this.#pending[0]!;
      const status = this.#pending[1]!;
      const length = this.#pending.readUInt16BE(2);
      if (!KNOWN_TYPES.has(type)) {
        throw new ProtocolError(`unknown packet type 0x${type.toString(16).padStart(2, '0')}`);
      }
      if (length < HEADER || length > MAX_PACKET) {
        throw new ProtocolError(`packet length ${length} is outside ${HEADER}..${MAX_PACKET}`);
      }
      if (this.#type !== undefined && type !== this.#type) {
        throw new ProtocolError(
          `packet of type 0x${type.toString(16)} inside a message of type 0x${this.#type.toString(16)}`,
        );
      }
      if (this.#pending.length < length) break;
      this.#type = type;
      this.#parts.push(this.#pending.subarray(HEADER, length));
      this.#size += length - HEADER;
      if (this.#size > MAX_MESSAGE) throw new ProtocolError(`message larger than ${MAX_MESSAGE} bytes`);
      this.#pending = this.#pending.subarray(length);
      if (status & END_OF_MESSAGE) {
        messages.push({ type, payload: Buffer.concat(this.#parts) });
        this.#type = undefined;
        this.#parts = [];
        this.#size = 0;
      }
    }
    return messages;
  }

  /** Bytes received that do not yet make a whole packet (a truncated message when the peer closes). */
  get incomplete(): boolean {
    return this.#pending.length > 0 || this.#parts.length > 0;
  }
}

/** One message as packets of at most `packetSize` bytes, the last one flagged END_OF_MESSAGE. */
export function framePackets(type: number, payload: Buffer, packetSize = DEFAULT_PACKET): Buffer {
  const room = packetSize - HEADER;
  const packets: Buffer[] = [];
  let id = 1;
  for (let offset = 0; offset < payload.length || packets.length === 0; offset += room) {
    const body = payload.subarray(offset, offset + room);
    const header = Buffer.alloc(HEADER);
    header[0] = type;
    header[1] = offset + room >= payload.length ? END_OF_MESSAGE : 0;
    header.writeUInt16BE(HEADER + body.length, 2);
    header.writeUInt16BE(0, 4); // SPID: 0, as the spec allows a server that does not report it
    header[6] = id++ % 256;
    header[7] = 0;
    packets.push(header, body);
  }
  return Buffer.concat(packets);
}

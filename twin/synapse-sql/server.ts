import { createServer, type Server, type Socket } from 'node:net';
import {
  buildPrelogin,
  ENCRYPT,
  type Login7,
  PRELOGIN_OPTION,
  parseExecuteSql,
  parseLogin7,
  parsePrelogin,
  parseSqlBatch,
} from './login.ts';
import {
  DEFAULT_PACKET,
  framePackets,
  MAX_PACKET,
  PACKET,
  PacketReader,
  ProtocolError,
  type TdsMessage,
} from './packets.ts';
import { colMetadata, rowToken, type SqlColumn } from './result-set.ts';
import { PreloginTls } from './tls-in-prelogin.ts';
import { DONE_STATUS, done, errorToken, type ServerMessage } from './tokens.ts';

/** What one statement of a batch produced. */
export type StatementResult =
  | { kind: 'done'; rowCount?: number }
  | { kind: 'rows'; columns: SqlColumn[]; rows: unknown[][] }
  | { kind: 'error'; error: ServerMessage };

export interface TdsSession {
  /** The login response's tokens after LOGINACK's checks passed (ENVCHANGEs, LOGINACK, FEATUREEXTACK, ...). */
  loginResponse: Buffer[];
  execute(sql: string): Promise<StatementResult[]>;
}

/** Authenticates and authorizes a LOGIN7; the answer is a session or the login's ERROR. */
export type TdsLogin = (
  login: Login7,
  packetSize: number,
) => Promise<{ session: TdsSession } | { error: ServerMessage }>;

export interface TdsEvent {
  peer: string;
  kind: 'connect' | 'login' | 'login-failed' | 'batch' | 'protocol-error' | 'close';
  detail?: string;
}

/** The encrypted TDS endpoint: PRELOGIN, TLS inside PRELOGIN, LOGIN7, then SQL batches ([MS-TDS] 3.3). */
export class TdsServer {
  readonly events: TdsEvent[] = [];
  #server: Server | undefined;
  #sockets = new Set<Socket>();

  readonly options: { host: string; port: number; tls: { key: string; cert: string }; login: TdsLogin };

  constructor(options: TdsServer['options']) {
    this.options = options;
  }

  async start(): Promise<this> {
    this.#server = createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      this.#server!.once('error', reject);
      this.#server!.listen(this.options.port, this.options.host, resolve);
    });
    return this;
  }

  get address(): { host: string; port: number } {
    const a = this.#server!.address() as { address: string; port: number };
    return { host: a.address, port: a.port };
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #event(event: TdsEvent): void {
    this.events.push(event);
  }

  #accept(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#sockets.add(socket);
    this.#event({ peer, kind: 'connect' });
    let state: 'prelogin' | 'handshake' | 'login' | 'ready' | 'closed' = 'prelogin';
    let reader = new PacketReader();
    let packetSize = DEFAULT_PACKET;
    let session: TdsSession | undefined;
    let secure: PreloginTls | undefined;
    let write = (bytes: Buffer) => socket.write(bytes);
    let queue = Promise.resolve();

    const send = (type: number, tokens: Buffer[]) =>
      write(framePackets(type, Buffer.concat(tokens), packetSize));
    const fail = (error: unknown) => {
      if (state === 'closed') return;
      this.#event({
        peer,
        kind: 'protocol-error',
        detail: error instanceof Error ? error.message : String(error),
      });
      close();
    };
    const close = () => {
      state = 'closed';
      secure?.destroy();
      socket.destroy();
    };

    const onMessage = async (message: TdsMessage) => {
      if (state === 'prelogin') {
        if (message.type !== PACKET.PRELOGIN)
          throw new ProtocolError(`expected PRELOGIN, got packet type 0x${message.type.toString(16)}`);
        const options = parsePrelogin(message.payload);
        const asked = options.get(PRELOGIN_OPTION.ENCRYPTION)?.[0] ?? ENCRYPT.OFF;
        // Azure's endpoints require encryption: a client that cannot encrypt is refused, one that would not is told to.
        if (asked === ENCRYPT.NOT_SUP)
          throw new ProtocolError('the client does not support encryption, which this server requires');
        const reply: [number, Buffer][] = [
          [PRELOGIN_OPTION.VERSION, Buffer.from([12, 0, 0x07, 0xd0, 0, 0])],
          [PRELOGIN_OPTION.ENCRYPTION, Buffer.from([asked === ENCRYPT.OFF ? ENCRYPT.REQ : ENCRYPT.ON])],
          [PRELOGIN_OPTION.INSTOPT, Buffer.from([0])],
          [PRELOGIN_OPTION.THREADID, Buffer.alloc(0)],
          [PRELOGIN_OPTION.MARS, Buffer.from([0])],
        ];
        // FEDAUTHREQUIRED: answered with 0x01 so the client echoes it in LOGIN7's FEDAUTH feature.
        if (options.has(PRELOGIN_OPTION.FEDAUTHREQUIRED))
          reply.push([PRELOGIN_OPTION.FEDAUTHREQUIRED, Buffer.from([1])]);
        send(PACKET.TABULAR_RESULT, [buildPrelogin(reply)]);
        state = 'handshake';
        secure = new PreloginTls(this.options.tls, {
          sendFlight: (bytes) => socket.write(framePackets(PACKET.PRELOGIN, bytes, packetSize)),
          toSocket: (bytes) => socket.write(bytes),
          secure: () => {
            state = 'login';
            reader = new PacketReader();
            write = (bytes) => secure!.cleartext.write(bytes);
            secure!.cleartext.on('data', (chunk: Buffer) => receive(chunk));
          },
          error: fail,
        });
        return;
      }
      if (state === 'handshake') {
        if (message.type !== PACKET.PRELOGIN)
          throw new ProtocolError(
            `expected a TLS handshake in PRELOGIN, got packet type 0x${message.type.toString(16)}`,
          );
        secure!.feed(message.payload);
        return;
      }
      if (state === 'login') {
        if (message.type !== PACKET.LOGIN7)
          throw new ProtocolError(`expected LOGIN7, got packet type 0x${message.type.toString(16)}`);
        const login = parseLogin7(message.payload);
        const size = Math.min(Math.max(login.packetSize || DEFAULT_PACKET, 512), MAX_PACKET);
        const outcome = await this.options.login(login, size);
        if ('error' in outcome) {
          this.#event({
            peer,
            kind: 'login-failed',
            detail: `${outcome.error.number}: ${outcome.error.message}`,
          });
          send(PACKET.TABULAR_RESULT, [errorToken(outcome.error), done(DONE_STATUS.ERROR)]);
          // [MS-TDS] 3.3.5.4: after a failed login the server closes the connection.
          socket.end();
          state = 'closed';
          return;
        }
        session = outcome.session;
        send(PACKET.TABULAR_RESULT, [...session.loginResponse, done(DONE_STATUS.FINAL)]);
        packetSize = size; // ENVCHANGE packet size: applies from the next message on
        state = 'ready';
        this.#event({ peer, kind: 'login', detail: login.database || 'master' });
        return;
      }
      if (state === 'ready') {
        if (message.type === PACKET.ATTENTION) {
          send(PACKET.TABULAR_RESULT, [done(DONE_STATUS.ATTN)]);
          return;
        }
        if (message.type === PACKET.RPC) {
          const call = parseExecuteSql(message.payload);
          if (call.statement !== undefined) {
            this.#event({ peer, kind: 'batch', detail: call.statement.slice(0, 200) });
            send(PACKET.TABULAR_RESULT, encodeResults(await session!.execute(call.statement), { rpc: true }));
            return;
          }
          send(PACKET.TABULAR_RESULT, [
            errorToken({
              number: 40517,
              class: 16,
              message: `Keyword or statement option '${call.procedure}' is not supported in this version of SQL Server.`,
            }),
            done(DONE_STATUS.ERROR),
          ]);
          return;
        }
        if (message.type !== PACKET.SQL_BATCH) {
          const what = Object.entries(PACKET).find(([, v]) => v === message.type)?.[0] ?? 'unknown';
          send(PACKET.TABULAR_RESULT, [
            errorToken({
              number: 40517,
              class: 16,
              message: `Keyword or statement option '${what} request' is not supported in this version of SQL Server.`,
            }),
            done(DONE_STATUS.ERROR),
          ]);
          return;
        }
        const sql = parseSqlBatch(message.payload);
        this.#event({ peer, kind: 'batch', detail: sql.slice(0, 200) });
        send(PACKET.TABULAR_RESULT, encodeResults(await session!.execute(sql)));
      }
    };

    const receive = (chunk: Buffer) => {
      if (state === 'closed') return;
      try {
        for (const message of reader.push(chunk))
          queue = queue.then(() => (state === 'closed' ? undefined : onMessage(message))).catch(fail);
      } catch (error) {
        fail(error);
      }
    };
    socket.on('data', (chunk: Buffer) =>
      state === 'login' || state === 'ready' ? secure!.fromSocket(chunk) : receive(chunk),
    );
    socket.on('error', (error) => fail(error));
    socket.on('close', () => {
      if (state !== 'closed' && reader.incomplete)
        this.#event({ peer, kind: 'protocol-error', detail: 'the client closed in the middle of a message' });
      this.#event({ peer, kind: 'close' });
      state = 'closed';
      secure?.destroy();
      this.#sockets.delete(socket);
    });
  }
}

/**
 * One batch's results as tokens: DONE_MORE between statements, DONE_COUNT where a count is known. Inside an RPC
 * (sp_executesql) each statement ends with DONEINPROC (0xFF, 2.2.7.7) and the call with RETURNSTATUS (0x79,
 * 2.2.7.18) and DONEPROC (0xFE, 2.2.7.8).
 */
export function encodeResults(results: StatementResult[], options: { rpc?: boolean } = {}): Buffer[] {
  const tokens: Buffer[] = [];
  const rpc = options.rpc === true;
  const statementDone = (status: number, rowCount = 0, curCmd = 0) => {
    const token = done(status, rowCount, curCmd);
    if (rpc) token[0] = 0xff;
    return token;
  };
  if (results.length === 0 && !rpc) return [done(DONE_STATUS.FINAL)];
  results.forEach((result, i) => {
    const more = i < results.length - 1 || rpc ? DONE_STATUS.MORE : 0;
    const done = statementDone;
    if (result.kind === 'error') {
      tokens.push(errorToken(result.error), done(DONE_STATUS.ERROR | more));
    } else if (result.kind === 'rows') {
      tokens.push(colMetadata(result.columns), ...result.rows.map((row) => rowToken(row, result.columns)));
      tokens.push(done(DONE_STATUS.COUNT | more, result.rows.length, 0xc1));
    } else {
      tokens.push(done((result.rowCount !== undefined ? DONE_STATUS.COUNT : 0) | more, result.rowCount ?? 0));
    }
  });
  if (rpc) {
    const status = Buffer.from([0x79, 0, 0, 0, 0]);
    const failed = results.some((r) => r.kind === 'error');
    const proc = done(failed ? DONE_STATUS.ERROR : DONE_STATUS.FINAL);
    proc[0] = 0xfe;
    tokens.push(status, proc);
  }
  return tokens;
}

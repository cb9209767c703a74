import { type Duplex, duplexPair } from 'node:stream';
import tls from 'node:tls';

/**
 * The server side of TDS 7.x encryption ([MS-TDS] 3.2.5.2 / 3.3.5.3 and 2.2.6.5 "PRELOGIN": "a TLS/SSL handshake
 * ... MUST be carried as the payload of PRELOGIN packets"): during the handshake each TLS flight of the client
 * arrives as the payload of one PRELOGIN message, and the server answers each with one PRELOGIN message holding
 * its own flight (tedious' MessageIO.startTls sends one message and reads exactly one back). Once the handshake
 * completes, TLS records travel bare on the socket and the TDS packets travel inside them.
 *
 * A Node TLSSocket (server mode) runs over one end of an in-memory duplex pair; this class feeds it the PRELOGIN
 * payloads, collects what it writes until it has finished the flight, and then switches the pair to the socket.
 */
export interface PreloginTlsHandlers {
  /** One server flight, to be framed as a PRELOGIN message. */
  sendFlight(bytes: Buffer): void;
  /** TLS records after the handshake, written to the socket as they are. */
  toSocket(bytes: Buffer): void;
  /** The handshake is complete: from now on socket bytes go to `fromSocket`, TDS packets to `cleartext`. */
  secure(): void;
  error(error: Error): void;
}

export class PreloginTls {
  readonly cleartext: tls.TLSSocket;
  #wire: Duplex;
  #flight: Buffer[] = [];
  #flush: NodeJS.Immediate | undefined;
  #secure = false;
  #direct: ((bytes: Buffer) => void) | undefined;

  readonly handlers: PreloginTlsHandlers;

  constructor(options: { key: string; cert: string }, handlers: PreloginTlsHandlers) {
    this.handlers = handlers;

    const [inner, wire] = duplexPair();
    this.#wire = wire;
    this.cleartext = new tls.TLSSocket(inner, {
      isServer: true,
      // TLS 1.2 is the floor Azure SQL enforces (minimal TLS version) and the most tedious offers.
      secureContext: tls.createSecureContext({ key: options.key, cert: options.cert, minVersion: 'TLSv1.2' }),
    });
    this.cleartext.on('secure', () => {
      this.#secure = true;
      // Normally the last flight is still being collected and its flush switches; if it went out first, switch now.
      setImmediate(() => {
        if (!this.#flush) this.#switch();
      });
    });
    this.cleartext.on('error', (error) => handlers.error(error));
    wire.on('data', (chunk: Buffer) => {
      if (this.#direct) {
        this.#direct(chunk);
        return;
      }
      this.#flight.push(chunk);
      // A flight is written in one pass of the TLS engine: flush once the event loop has moved on.
      if (this.#flush) clearImmediate(this.#flush);
      this.#flush = setImmediate(() => this.#sendFlight());
    });
  }

  /** Handshake bytes from one PRELOGIN message. */
  feed(bytes: Buffer): void {
    this.#wire.write(bytes);
  }

  /** Raw TLS records from the socket, after the handshake. */
  fromSocket(bytes: Buffer): void {
    this.#wire.write(bytes);
  }

  destroy(): void {
    if (this.#flush) clearImmediate(this.#flush);
    this.cleartext.destroy();
    this.#wire.destroy();
  }

  #sendFlight(): void {
    this.#flush = undefined;
    const flight = Buffer.concat(this.#flight);
    this.#flight = [];
    if (flight.length > 0) this.handlers.sendFlight(flight);
    if (this.#secure) this.#switch();
  }

  #switch(): void {
    if (this.#direct) return;
    this.#direct = (bytes) => this.handlers.toSocket(bytes);
    this.handlers.secure();
  }
}

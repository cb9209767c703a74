import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';

/**
 * The twin's network: an HTTP CONNECT proxy that sends Azure's public host names to the local stand-ins, so a
 * stage runs with its real configuration (https://mmdevlake.blob.core.windows.net, https://management.azure.com)
 * and only HTTPS_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS tell it apart from Azure. The Azure SDK for JavaScript
 * takes its proxy from HTTPS_PROXY and NO_PROXY by default ("Configure a proxy", @azure/core-rest-pipeline
 * proxyPolicy, https://learn.microsoft.com/en-us/azure/developer/javascript/sdk/configure-proxy).
 * A host with no route is refused (502): nothing leaves the machine.
 */
export class TwinRouter {
  readonly routes: { pattern: RegExp; port: number }[] = [];
  readonly refused: string[] = [];
  #server: Server | undefined;
  #sockets = new Set<Socket>();
  url = '';

  route(pattern: RegExp, port: number): this {
    this.routes.push({ pattern, port });
    return this;
  }

  async start(): Promise<this> {
    this.#server = createServer((_req, res) => {
      res.writeHead(405);
      res.end('CONNECT only');
    });
    this.#server.on('connect', (req, client: Socket, head: Buffer) => {
      const [host = '', port = '443'] = (req.url ?? '').split(':');
      const route = port === '443' ? this.routes.find((r) => r.pattern.test(host)) : undefined;
      if (!route) {
        this.refused.push(req.url ?? '');
        client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
        return;
      }
      const upstream = connect(route.port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server!.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

export function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}

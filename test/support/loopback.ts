import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP listener on 127.0.0.1 playing a peer of the service in a test (an EHR's FHIR server, a
 * hostile one, the service itself): it records every connection and request path and closes
 * with its connections. The one helper for the fakes nock cannot imitate (silence, stalls, pages
 * of megabytes), and for listening an app on a free port.
 */

export interface Loopback {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** `<origin>/fhir`: the base URL a hook request names. */
  baseUrl: string;
  server: Server;
  connections: number;
  /** Request paths (with query), in order. */
  paths: string[];
  close: () => Promise<void>;
}

type Answer = (req: IncomingMessage, res: ServerResponse, origin: string) => void;

export async function loopback(answer: Answer): Promise<Loopback> {
  const server = createServer();
  const sockets = new Set<Socket>();
  const listener: Loopback = {
    origin: '',
    baseUrl: '',
    server,
    connections: 0,
    paths: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: Socket) => {
    listener.connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    listener.paths.push(req.url ?? '');
    answer(req, res, listener.origin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  listener.baseUrl = `${listener.origin}/fhir`;
  return listener;
}

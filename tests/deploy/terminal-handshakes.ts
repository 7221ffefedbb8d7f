// The two ways a browser reaches the terminals, as seen through a reverse proxy: the Socket.IO
// namespace and the plain WebSocket route the web app uses. Each resolves to 'connected' or why not.
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { TERMINALS_WS_PATH } from '../../src/shared/terminals.js';

export interface Handshake {
  origin: string;
  cookie: string;
}

/** Socket.IO on /terminals, WebSocket transport only. `baseUrl`: http(s)://host:port. */
export function socketIoHandshake(baseUrl: string, { origin, cookie }: Handshake): Promise<string> {
  return new Promise((resolve) => {
    const socket = io(`${baseUrl}/terminals`, {
      transports: ['websocket'],
      extraHeaders: { origin, cookie },
      rejectUnauthorized: false,
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
    });
    socket.on('connect', () => (socket.close(), resolve('connected')));
    socket.on('connect_error', (error) => (socket.close(), resolve(`refused: ${error.message}`)));
  });
}

/** The plain WebSocket route; connected means the server's first frame, `terminal:ready`, arrived. */
export function plainWebSocketHandshake(baseUrl: string, { origin, cookie }: Handshake): Promise<string> {
  return new Promise((resolve) => {
    const client = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${TERMINALS_WS_PATH}`, { headers: { origin, cookie }, rejectUnauthorized: false });
    client.on('message', (data: Buffer) => {
      const { event } = JSON.parse(data.toString('utf8')) as { event?: string };
      client.close();
      resolve(event === 'terminal:ready' ? 'connected' : `unexpected first message ${event}`);
    });
    client.on('unexpected-response', (_request, response) => {
      client.terminate();
      resolve(`refused: ${response.statusCode}`);
    });
    client.on('error', (error) => resolve(`refused: ${error.message}`));
  });
}

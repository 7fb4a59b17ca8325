import http from 'node:http';
import { listen } from '../../../infra/listen';

describe('closing a listening server', () => {
  it('closes a keep-alive connection as soon as its in-flight answer is sent, not after the keep-alive timeout', async () => {
    let answer: (() => void) | undefined;
    const server = http.createServer((_req, res) => {
      answer = () => res.end('done');
    });
    server.keepAliveTimeout = 65_000;
    const listening = await listen(server, '127.0.0.1', 0);
    const agent = new http.Agent({ keepAlive: true });
    const response = new Promise<number>((resolve, reject) => {
      http
        .get(`${listening.url}/slow`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
    while (!answer) await new Promise((resolve) => setTimeout(resolve, 10));

    const closing = listening.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answeredAt = Date.now();
    answer();
    expect(await response).toBe(200);
    await closing;
    expect(Date.now() - answeredAt).toBeLessThan(2_000);
    agent.destroy();
  });
});

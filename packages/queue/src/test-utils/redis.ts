/** A real redis-server for the tests: 127.0.0.1, a free port, no persistence; stopped afterwards. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { checkRedis } from '../connection.js';

/**
 * Outside CI a machine without redis-server skips the queue tests; in CI (the root pretest installs it) they
 * always run, so a missing server fails loudly instead of passing as skipped.
 */
export const hasRedis = process.env['CI'] !== undefined || spawnSync('redis-server', ['--version']).status === 0;

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const proc: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    try {
      await checkRedis(url, 500);
      break;
    } catch (err) {
      if (i > 50 || proc.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Redis URLs (redis://[user:password@]host[:port][/db], rediss:// for TLS) to ioredis options, and a quick
 * reachability check so that a wrong address fails in seconds with a clear message instead of retrying forever.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { QueueConnectionError } from './errors.js';

/** Default name of the BullMQ queue; workers and clients must agree on it (and on the Redis database). */
export const DEFAULT_QUEUE_NAME = 'adaattn';

export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueConnectionError(`'${url}' is not a Redis URL; write redis://host:port (e.g. redis://127.0.0.1:6379)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new QueueConnectionError(`'${url}' is not a Redis URL (it starts with '${u.protocol}'); write redis://host:port`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0)
    throw new QueueConnectionError(`'${url}': the database after the port must be a whole number, e.g. redis://host:6379/0`);
  return {
    host: u.hostname === '' ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    db,
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking commands must wait as long as it takes, not fail after a few retries.
    maxRetriesPerRequest: null,
  };
}

/** Resolves once Redis answers PING; otherwise throws QueueConnectionError within about `timeoutMs`. */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined); // reported through connect()'s rejection
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new QueueConnectionError(
      `cannot reach Redis at ${redact(url)} (${(err as Error).message}); start redis-server there or fix --queue`,
    );
  } finally {
    client.disconnect();
  }
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

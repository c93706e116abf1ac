/**
 * A small static server for the model directory (and, in the e2e test, the built plugin and its harness).
 *
 * It sends what a model host must send for the plugin:
 *   Access-Control-Allow-Origin: *   Figma's UI iframe has a null origin, so only "*" lets it read responses;
 *   Cache-Control                    model.json revalidates (it names the current files); weight files are
 *                                    immutable under their sha256, so browsers may keep them.
 *
 * CLI: node serve.mjs [--port 8787] serves packages/model-image at the path jsDelivr serves the published
 * package at, http://localhost:8787/npm/@adaattn/model-image@<version>/ (build with that as ADAATTN_MODEL_URL).
 */
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.wasm': 'application/wasm',
};

/**
 * Serves `routes` (URL prefix → directory, e.g. { '/model/': '/path/to/models/adaattn-image' }) and
 * `virtual` (exact path → { body, type }) on 127.0.0.1, answering `Range` requests like a CDN. `onFile(path,
 * range)` sees each file request (tests count downloads with it); when it returns a number n, the connection
 * is cut after n bytes of the body (tests break a download half-way). Resolves to { url, close() } once listening.
 *
 * @param {{ routes?: Record<string, string>, virtual?: Record<string, { body: string, type: string }>, port?: number,
 *   log?: boolean, onFile?: (path: string, range: string | undefined) => number | undefined | void }} [options]
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export function startServer({ routes = {}, virtual = {}, port = 0, log = false, onFile } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    res.setHeader('Access-Control-Allow-Origin', '*');
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method === 'OPTIONS') return send(204, '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    const page = virtual[path];
    if (page !== undefined) {
      res.setHeader('Cache-Control', 'no-store');
      return send(200, page.body, page.type);
    }
    const prefix = Object.keys(routes)
      .filter((p) => path.startsWith(p))
      .sort((a, b) => b.length - a.length)[0];
    if (prefix === undefined) return send(404, `not found: ${path}`);
    const root = resolve(routes[prefix]);
    const file = normalize(join(root, path.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + sep)) return send(403, 'outside the served folder');
    try {
      const info = await stat(file);
      if (!info.isFile()) return send(404, `not a file: ${path}`);
      const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      const immutable = extname(file) === '.safetensors';
      const headers = {
        'content-type': type,
        'accept-ranges': 'bytes',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      };
      // `bytes=N-` / `bytes=N-M`, as the CDN answers them: a resumed download asks for the rest of a file.
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      let start = 0;
      let end = info.size - 1;
      if (range) {
        start = Number(range[1]);
        end = range[2] === '' ? end : Math.min(end, Number(range[2]));
        if (start > end) {
          res.writeHead(416, { ...headers, 'content-range': `bytes */${info.size}` });
          return res.end();
        }
      }
      res.writeHead(range ? 206 : 200, {
        ...headers,
        'content-length': String(end - start + 1),
        ...(range ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
      });
      if (req.method === 'HEAD') return res.end();
      if (log) console.log(`GET ${path}${range ? ` ${req.headers.range}` : ''} (${end - start + 1} bytes)`);
      const cutAfter = onFile?.(path, req.headers.range);
      if (typeof cutAfter === 'number') {
        // Send the first bytes, then drop the connection as a flaky network would.
        createReadStream(file, { start, end: start + cutAfter - 1 })
          .on('end', () => setTimeout(() => res.destroy(), 50))
          .pipe(res, { end: false });
        return;
      }
      createReadStream(file, { start, end }).pipe(res);
    } catch {
      send(404, `not found: ${path}`);
    }
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolvePromise({
        url: `http://localhost:${address.port}`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done(undefined));
          }),
      });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8787;
  const { MODEL_CDN_PATH } = await import('./build.mjs');
  const model = join(here, '../model-image');
  startServer({ routes: { [MODEL_CDN_PATH]: model }, port, log: true }).then(({ url }) => {
    console.log(`serving ${model} at ${url}${MODEL_CDN_PATH}\nbuild against it: ADAATTN_MODEL_URL=${url}${MODEL_CDN_PATH} npm run build`);
  });
}

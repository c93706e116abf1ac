// @vitest-environment node
/**
 * The first-use download of the published model package (packages/model-image, as the CDN serves it) into
 * the plugin folder of an in-memory vault: pieces by Range, resume after cancel, a server without Range,
 * retries, a corrupted file, and old versions pruned.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortError, parseModelJson, servedModelFiles } from '@adaattn/core';
import type * as O from 'obsidian';
import { describe, expect, it } from 'vitest';
import { Vault } from '../test/fake-obsidian/index';
import { ensureModel, ModelDownloadError, modelFolder, pruneOtherModels, type Requester } from './model-download';

const packageDir = join(import.meta.dirname, '../../model-image');
const BASE = 'https://cdn.jsdelivr.net/npm/@adaattn/model-image@0.1.0/';
const PLUGIN_DIR = '.obsidian/plugins/adaattn-style-transfer';
const PIECE = 8 * 1024 * 1024;

interface ServerOptions {
  readonly honourRange?: boolean;
  /** Status codes to answer before serving normally, per request index. */
  readonly failFirst?: number[];
  readonly corrupt?: string;
}

/** A CDN over packages/model-image: answers `bytes=a-b` with 206 unless told to ignore Range. */
function cdn(options: ServerOptions = {}) {
  const log: { path: string; range: string | undefined }[] = [];
  const failures = [...(options.failFirst ?? [])];
  const request: Requester = async (r: O.RequestUrlParam) => {
    const path = r.url.startsWith(BASE) ? r.url.slice(BASE.length) : '(not served)';
    const range = r.headers?.['Range'];
    log.push({ path, range });
    const fail = failures.shift();
    if (fail !== undefined) return { status: fail, arrayBuffer: new ArrayBuffer(0) };
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(join(packageDir, path)));
    } catch {
      return { status: 404, arrayBuffer: new ArrayBuffer(0) };
    }
    if (path === options.corrupt) bytes[100] = (bytes[100] as number) ^ 0xff;
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    if (m && options.honourRange !== false) {
      const part = bytes.slice(Number(m[1]), Number(m[2]) + 1);
      return { status: 206, arrayBuffer: part.buffer };
    }
    return { status: 200, arrayBuffer: bytes.slice().buffer };
  };
  return { request, log };
}

const noWait = async () => undefined;

async function served(): Promise<{ path: string; bytes: number }[]> {
  const config = parseModelJson(await readFile(join(packageDir, 'model.json')));
  return servedModelFiles(config);
}

function setup() {
  const vault = new Vault();
  const adapter = vault.adapter as unknown as O.DataAdapter;
  const folder = modelFolder(PLUGIN_DIR, BASE);
  return { vault, adapter, folder };
}

describe('ensureModel', () => {
  it('downloads every served file in Range pieces into the plugin folder, then needs no request', async () => {
    const { vault, adapter, folder } = setup();
    expect(folder).toBe(`${PLUGIN_DIR}/models/@adaattn_model-image@0.1.0`);
    const server = cdn();
    const progress: number[] = [];
    const result = await ensureModel(BASE, folder, adapter, {
      request: server.request,
      sleep: noWait,
      pieceBytes: PIECE,
      onProgress: (p) => progress.push(p.doneBytes / p.totalBytes),
    });
    const files = await served();
    expect(result?.totalBytes).toBe(files.reduce((n, f) => n + f.bytes, 0));
    expect(result?.downloadedBytes).toBe(result?.totalBytes);
    expect(progress.at(-1)).toBe(1);
    for (const f of files) {
      // Buffer.equals: toEqual walks megabytes element by element.
      expect(Buffer.from(await adapter.readBinary(`${folder}/${f.path}`)).equals(await readFile(join(packageDir, f.path)))).toBe(true);
      // One request per 8 MB piece of the file, each a Range.
      expect(server.log.filter((l) => l.path === f.path).map((l) => l.range)).toHaveLength(Math.ceil(f.bytes / PIECE));
    }
    expect(vault.allPaths()).toEqual([]); // nothing among the notes
    expect([...vault.adapter.hidden.keys()].filter((p) => p.includes('.piece-'))).toEqual([]);
    const again = cdn();
    expect(await ensureModel(BASE, folder, adapter, { request: again.request })).toBeUndefined();
    expect(again.log).toEqual([]);
  }, 60_000);

  it('resumes a cancelled download from the pieces already on disk', async () => {
    const { adapter, folder } = setup();
    const first = cdn();
    const controller = new AbortController();
    const cancelled = await ensureModel(BASE, folder, adapter, {
      request: first.request,
      pieceBytes: PIECE,
      signal: controller.signal,
      onProgress: (p) => p.doneBytes > 20e6 && controller.abort(),
    }).catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(AbortError);
    expect(await adapter.exists(`${folder}/model.json`)).toBe(false); // not complete
    const second = cdn();
    const result = await ensureModel(BASE, folder, adapter, { request: second.request, pieceBytes: PIECE });
    const fetchedFirst = first.log.filter((l) => l.range !== undefined).length;
    const fetchedSecond = second.log.filter((l) => l.range !== undefined).length;
    const pieces = (await served()).reduce((n, f) => n + Math.ceil(f.bytes / PIECE), 0);
    expect(fetchedFirst + fetchedSecond).toBe(pieces); // no piece fetched twice
    expect(result!.downloadedBytes).toBeLessThan(result!.totalBytes - 20e6);
    expect(await adapter.exists(`${folder}/model.json`)).toBe(true);
  }, 60_000);

  it('takes whole files from a server that ignores Range', async () => {
    const { adapter, folder } = setup();
    const server = cdn({ honourRange: false });
    const result = await ensureModel(BASE, folder, adapter, { request: server.request, pieceBytes: PIECE });
    const files = await served();
    expect(server.log.filter((l) => l.path !== 'model.json')).toHaveLength(files.length);
    expect(result!.downloadedBytes).toBe(result!.totalBytes);
  }, 60_000);

  it('retries a busy server, and names the URL when a file is missing', async () => {
    const { adapter, folder } = setup();
    const busy = cdn({ failFirst: [503, 429] });
    const waits: number[] = [];
    await ensureModel(BASE, folder, adapter, { request: busy.request, sleep: async (ms) => void waits.push(ms), pieceBytes: PIECE });
    expect(waits).toEqual([1000, 3000]);
    const other = setup();
    const missing = cdn();
    const error = await ensureModel('https://cdn.jsdelivr.net/npm/@adaattn/model-image@9.9.9/', other.folder, other.adapter, {
      request: missing.request,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/model-image@9\.9\.9\/model\.json: HTTP 404/);
  }, 60_000);

  it('refuses a file whose sha256 differs, keeps nothing of it, and never marks the folder complete', async () => {
    const { adapter, folder, vault } = setup();
    const server = cdn({ corrupt: 'decoder.safetensors' });
    const error = await ensureModel(BASE, folder, adapter, { request: server.request, pieceBytes: PIECE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/decoder\.safetensors does not match model\.json/);
    expect([...vault.adapter.hidden.keys()].filter((p) => p.includes('decoder') || p.endsWith('model.json'))).toEqual([]);
    // Files that did verify stay: the next try fetches only what is missing (the bad file and those after it).
    const retry = cdn();
    await ensureModel(BASE, folder, adapter, { request: retry.request, pieceBytes: PIECE });
    const order = (await served()).map((f) => f.path);
    const missing = order.slice(order.indexOf('decoder.safetensors'));
    expect(missing.length).toBeLessThan(order.length);
    expect(new Set(retry.log.map((l) => l.path))).toEqual(new Set(['model.json', ...missing]));
  }, 60_000);
});

describe('pruneOtherModels', () => {
  it('removes the downloads of other versions and keeps the current one', async () => {
    const { adapter, vault } = setup();
    const keep = modelFolder(PLUGIN_DIR, BASE);
    const old = modelFolder(PLUGIN_DIR, 'https://cdn.jsdelivr.net/npm/@adaattn/model-image@0.0.9/');
    for (const f of [PLUGIN_DIR, `${PLUGIN_DIR}/models`, keep, old]) await adapter.mkdir(f);
    await adapter.writeBinary(`${old}/model.json`, new ArrayBuffer(2));
    await adapter.writeBinary(`${keep}/model.json`, new ArrayBuffer(2));
    expect(await pruneOtherModels(adapter, keep)).toEqual([old]);
    expect([...vault.adapter.hidden.keys()]).toEqual([`${keep}/model.json`]);
  });
});

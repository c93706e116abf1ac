/**
 * downloadFile against a fake server that can break a body half-way, ignore Range, answer 503 or send the
 * wrong bytes: resumed downloads, restarts, retries with backoff, and nothing unverified returned.
 */
import { sha256Hex, WeightsError } from '@adaattn/core';
import { describe, expect, it } from 'vitest';
import { downloadFile, ModelLoadError } from './download.js';

const URL_ = 'https://cdn.test/npm/@adaattn/model-image@0.1.0/decoder.safetensors';

function fileOf(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return bytes;
}

/** A body that delivers `bytes` in 1 KB chunks, then fails after `breakAfter` bytes if given. */
function body(bytes: Uint8Array, breakAfter?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (breakAfter !== undefined && sent >= breakAfter) return controller.error(new TypeError('network error'));
      if (sent >= bytes.length) return controller.close();
      const end = Math.min(bytes.length, sent + 1024, breakAfter ?? Infinity);
      controller.enqueue(bytes.slice(sent, end));
      sent = end;
    },
  });
}

interface Script {
  /** Per request, in order: what goes wrong (the last entry repeats). */
  readonly faults: ('ok' | 'break' | '503' | 'throw' | 'corrupt')[];
  readonly honourRange?: boolean;
}

function server(file: Uint8Array, script: Script) {
  const requests: { range: string | null }[] = [];
  const fetchFn = async (_url: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const range = new Headers(init?.headers).get('range');
    const fault = script.faults[Math.min(requests.length, script.faults.length - 1)];
    requests.push({ range });
    if (fault === 'throw') throw new TypeError('Failed to fetch');
    if (fault === '503') return new Response('busy', { status: 503, statusText: 'Service Unavailable' });
    const from = range !== null && script.honourRange !== false ? Number(/bytes=(\d+)-/.exec(range)?.[1]) : 0;
    let bytes = file.slice(from);
    if (fault === 'corrupt') bytes = bytes.map((b, i) => (i === 10 ? b ^ 1 : b));
    return new Response(body(bytes, fault === 'break' ? Math.floor(file.length / 2) - from : undefined), { status: from > 0 ? 206 : 200 });
  };
  return { fetch: fetchFn as typeof fetch, requests };
}

const noWait = { sleep: async () => undefined };

describe('downloadFile', () => {
  const file = fileOf(10_000);
  const expected = async () => ({ bytes: file.length, sha256: await sha256Hex(file) });

  it('resumes a broken download with a Range request for the rest', async () => {
    const s = server(file, { faults: ['break', 'ok'] });
    let held = 0;
    const bytes = await downloadFile(URL_, await expected(), { fetch: s.fetch, ...noWait, onBytes: (n) => (held += n) });
    expect(bytes).toEqual(file);
    expect(s.requests).toEqual([{ range: null }, { range: 'bytes=5000-' }]);
    expect(held).toBe(file.length);
  });

  it('starts over when the server ignores Range, and progress goes back', async () => {
    const s = server(file, { faults: ['break', 'ok'], honourRange: false });
    const held: number[] = [];
    let total = 0;
    const bytes = await downloadFile(URL_, await expected(), { fetch: s.fetch, ...noWait, onBytes: (n) => held.push((total += n)) });
    expect(bytes).toEqual(file);
    expect(Math.min(...held.slice(held.indexOf(5000)))).toBe(0); // dropped the half it had
    expect(total).toBe(file.length);
  });

  it('retries 503s and network errors with the backoff it is given', async () => {
    const s = server(file, { faults: ['503', 'throw', 'ok'] });
    const waits: number[] = [];
    const bytes = await downloadFile(URL_, await expected(), {
      fetch: s.fetch,
      backoffMs: [10, 20, 40],
      sleep: async (ms) => void waits.push(ms),
    });
    expect(bytes).toEqual(file);
    expect(waits).toEqual([10, 20]);
  });

  it('gives up after the last retry and says what it tried', async () => {
    const s = server(file, { faults: ['503'] });
    const error = await downloadFile(URL_, await expected(), { fetch: s.fetch, backoffMs: [1, 1], ...noWait }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/could not be downloaded after 3 tries \(HTTP 503 Service Unavailable\)/);
    expect(s.requests).toHaveLength(3);
  });

  it('does not retry a 404, and keeps the status for core', async () => {
    const notFound = (async () => new Response('no', { status: 404, statusText: 'Not Found' })) as typeof fetch;
    const error = await downloadFile(URL_, await expected(), { fetch: notFound, ...noWait }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).status).toBe(404);
  });

  it('refuses bytes whose sha256 is not the one model.json gives', async () => {
    const s = server(file, { faults: ['corrupt'] });
    const error = await downloadFile(URL_, await expected(), { fetch: s.fetch, ...noWait }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as WeightsError).code).toBe('checksum-mismatch');
    expect(s.requests).toHaveLength(1); // a whole, wrong file is not asked for again
  });

  it('fetches a resumed file whole once more when the stitched bytes do not verify', async () => {
    const s = server(file, { faults: ['break', 'corrupt', 'ok'] });
    const bytes = await downloadFile(URL_, await expected(), { fetch: s.fetch, ...noWait });
    expect(bytes).toEqual(file);
    expect(s.requests.map((r) => r.range)).toEqual([null, 'bytes=5000-', null]);
  });

  it('stops at once when aborted', async () => {
    const controller = new AbortController();
    const s = server(file, { faults: ['503'] });
    const sleep = async () => controller.abort(new DOMException('stop', 'AbortError'));
    await expect(downloadFile(URL_, await expected(), { fetch: s.fetch, signal: controller.signal, sleep })).rejects.toThrow('stop');
    expect(s.requests).toHaveLength(1);
  });
});

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as OrtWeb from 'onnxruntime-web';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../errors.js';
import { ORT_WEB_CDN_URL, ortWebCdnPaths } from '../../browser/onnx-runtimes.js';
import { createOnnxWebBackend, ORT_WEB_VERSION } from './web.js';

const realOrt = (): Promise<typeof OrtWeb> => import('onnxruntime-web');

/** A stand-in for `navigator.gpu` whose only adapter is the one given. */
function stubGpu(adapter: object | null): void {
  vi.stubGlobal('navigator', { gpu: { requestAdapter: () => Promise.resolve(adapter) } });
}

const HARDWARE = { isFallbackAdapter: false, info: { vendor: 'nvidia', architecture: 'ada' } };

/**
 * An onnxruntime-web stand-in: sessions on the providers `works` lists compute y = x + 1 (or `result`);
 * others fail to be made, as ORT fails for a provider that cannot start. Records each session's providers.
 */
async function fakeOrt(works: readonly string[], result = [2, 3]) {
  const ort = await realOrt();
  const providers: unknown[] = [];
  const module = {
    env: { wasm: {}, webgpu: {} },
    Tensor: ort.Tensor,
    InferenceSession: {
      create: (_model: Uint8Array, options: { executionProviders: string[] }) => {
        providers.push(options.executionProviders);
        if (!options.executionProviders.every((p) => works.includes(p)))
          return Promise.reject(new Error(`no available backend found. ERR: [${options.executionProviders.join(',')}] failed`));
        return Promise.resolve({
          run: () => Promise.resolve({ y: { dims: [2], data: Float32Array.from(result) } }),
          release: () => Promise.resolve(),
        });
      },
    },
  } as unknown as typeof OrtWeb;
  return { module: () => Promise.resolve(module), providers, env: module.env as { webgpu: { adapter?: unknown } } };
}

async function failure(promise: Promise<unknown>): Promise<BackendError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendError);
  return error as BackendError;
}

afterEach(() => vi.unstubAllGlobals());

describe('onnx-web backend start-up', () => {
  it('names the onnxruntime-web version core is tested against, and the CDN files the plugins fetch', () => {
    // The package's exports hide package.json: find it above its resolved entry.
    const entry = createRequire(import.meta.url).resolve('onnxruntime-web');
    const installed = JSON.parse(readFileSync(`${entry.slice(0, entry.lastIndexOf('/dist/'))}/package.json`, 'utf8')) as {
      version: string;
    };
    const core = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    expect(ORT_WEB_VERSION).toBe(installed.version);
    expect(core.peerDependencies['onnxruntime-web']).toBe(ORT_WEB_VERSION);
    expect(ORT_WEB_CDN_URL).toBe(`https://cdn.jsdelivr.net/npm/onnxruntime-web@${ORT_WEB_VERSION}/dist/`);
    // Only the binary, each bundle's own: the bundled glue stays in use.
    expect(ortWebCdnPaths('wasm')).toEqual({ wasm: `${ORT_WEB_CDN_URL}ort-wasm-simd-threaded.wasm` });
    expect(ortWebCdnPaths('webgpu')).toEqual({ wasm: `${ORT_WEB_CDN_URL}ort-wasm-simd-threaded.asyncify.wasm` });
  });

  it('uses the module the caller hands it (a bundle that carries onnxruntime-web), on real wasm', async () => {
    const module = vi.fn(realOrt);
    const backend = await createOnnxWebBackend({ device: 'wasm', threads: 1, module });
    expect(module).toHaveBeenCalledOnce();
    expect(backend.name).toBe('onnx-web-wasm');
    const y = backend.add(backend.upload(Float32Array.of(1, 2), [2]), backend.upload(Float32Array.of(3, 4), [2]));
    expect([...(await backend.read(y))]).toEqual([4, 6]);
  });

  it('fails at start, not at the first image, when the runtime cannot run a graph (its wasm could not be fetched)', async () => {
    const ort = await fakeOrt([]);
    const error = await failure(createOnnxWebBackend({ device: 'wasm', module: ort.module }));
    expect(error.message).toBe('onnx-web-wasm: no available backend found. ERR: [wasm] failed');
    expect(error.failures).toEqual([{ name: 'onnx-web-wasm', reason: 'no available backend found. ERR: [wasm] failed' }]);
  });

  it('fails at start when the test graph computes a wrong result', async () => {
    const ort = await fakeOrt(['wasm'], [0, 0]);
    const error = await failure(createOnnxWebBackend({ device: 'wasm', module: ort.module }));
    expect(error.message).toBe('onnx-web-wasm: a test graph computed [0, 0] instead of [2, 3]');
  });

  it('gives up a start that does not finish in time (a download that stalled)', async () => {
    const ort = await realOrt();
    const stalled = { ...ort, env: ort.env, InferenceSession: { create: () => new Promise(() => {}) } } as unknown as typeof OrtWeb;
    const error = await failure(createOnnxWebBackend({ device: 'wasm', module: () => Promise.resolve(stalled), startTimeoutMs: 50 }));
    expect(error.message).toBe('onnx-web-wasm: it did not start within 0.05 s (a download of its wasm binary that stalled?)');
  });

  it('says why a module that cannot load did not, without an npm hint when the caller supplied it', async () => {
    const error = await failure(createOnnxWebBackend({ device: 'wasm', module: () => Promise.reject(new Error('blocked by CSP')) }));
    expect(error.message).toBe('onnx-web-wasm: onnxruntime-web could not be loaded (blocked by CSP)');
  });

  it("refuses WebGPU when the page has none, and 'auto' then runs on wasm", async () => {
    vi.stubGlobal('navigator', {});
    const error = await failure(createOnnxWebBackend({ device: 'webgpu', module: realOrt }));
    expect(error.message).toBe('onnx-web-webgpu: this browser offers no WebGPU adapter');
    const backend = await createOnnxWebBackend({ device: 'auto', threads: 1, module: realOrt });
    expect(backend.name).toBe('onnx-web-wasm');
  });

  it('refuses a software adapter (by name, or marked as a fallback on the adapter or its info) unless allowed', async () => {
    const ort = await fakeOrt(['webgpu', 'wasm']);
    stubGpu({ isFallbackAdapter: false, info: { vendor: 'google', architecture: 'swiftshader' } });
    expect((await failure(createOnnxWebBackend({ device: 'webgpu', module: ort.module }))).message).toBe(
      'onnx-web-webgpu: the WebGPU adapter is a software one (google swiftshader), far slower than WebAssembly',
    );
    expect((await createOnnxWebBackend({ device: 'webgpu', module: ort.module, allowSoftwareGpu: true })).name).toBe('onnx-web-webgpu');
    stubGpu({ info: { description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } });
    await failure(createOnnxWebBackend({ device: 'webgpu', module: ort.module }));
    stubGpu({ isFallbackAdapter: true, info: {} });
    expect((await failure(createOnnxWebBackend({ device: 'webgpu', module: ort.module }))).message).toMatch(
      /software one \(a fallback adapter\)/,
    );
    stubGpu({ info: { vendor: 'microsoft', isFallbackAdapter: true } });
    await failure(createOnnxWebBackend({ device: 'webgpu', module: ort.module }));
    expect((await createOnnxWebBackend({ device: 'auto', module: ort.module })).name).toBe('onnx-web-wasm');
  });

  it('runs WebGPU sessions on WebGPU alone, so a GPU that fails to start is never wasm under WebGPU’s name', async () => {
    stubGpu(HARDWARE);
    const working = await fakeOrt(['webgpu', 'wasm']);
    expect((await createOnnxWebBackend({ device: 'auto', module: working.module })).name).toBe('onnx-web-webgpu');
    expect(working.env.webgpu.adapter).toBe(HARDWARE);
    expect(working.providers).toEqual([['webgpu']]);

    const broken = await fakeOrt(['wasm']);
    const error = await failure(createOnnxWebBackend({ device: 'webgpu', module: broken.module }));
    expect(error.message).toBe('onnx-web-webgpu: no available backend found. ERR: [webgpu] failed');
    // 'auto' then starts wasm, under wasm's name (and so wasm's piece size).
    const auto = await createOnnxWebBackend({ device: 'auto', module: broken.module });
    expect(auto.name).toBe('onnx-web-wasm');
    expect(broken.providers.slice(-2)).toEqual([['webgpu'], ['wasm']]);
  });
});

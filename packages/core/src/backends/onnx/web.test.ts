import type * as OrtWeb from 'onnxruntime-web';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../errors.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createOnnxWebBackend, ORT_WEB_CDN_URL, ORT_WEB_VERSION } from './web.js';

const realOrt = (): Promise<typeof OrtWeb> => import('onnxruntime-web');

/** A stand-in for `navigator.gpu` whose only adapter is the one given. */
function stubGpu(adapter: object | null): void {
  vi.stubGlobal('navigator', { gpu: { requestAdapter: () => Promise.resolve(adapter) } });
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
  it('names the onnxruntime-web version core is tested against, on the CDN the plugins fetch its wasm from', () => {
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
  });

  it('uses the module the caller hands it (a bundle that carries onnxruntime-web) and checks it computes', async () => {
    const module = vi.fn(realOrt);
    const backend = await createOnnxWebBackend({ device: 'wasm', threads: 1, module });
    expect(module).toHaveBeenCalledOnce();
    expect(backend.name).toBe('onnx-web-wasm');
  });

  it('fails at start, not at the first image, when the runtime cannot run a graph (its wasm could not be fetched)', async () => {
    const ort = await realOrt();
    const broken = {
      ...ort,
      env: ort.env,
      InferenceSession: { create: () => Promise.reject(new Error('failed to fetch ort-wasm-simd-threaded.wasm')) },
    } as unknown as typeof OrtWeb;
    const error = await failure(createOnnxWebBackend({ device: 'wasm', module: () => Promise.resolve(broken) }));
    expect(error.message).toBe('onnx-web-wasm: failed to fetch ort-wasm-simd-threaded.wasm');
    expect(error.failures).toEqual([{ name: 'onnx-web-wasm', reason: 'failed to fetch ort-wasm-simd-threaded.wasm' }]);
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

  it('refuses a software adapter (SwiftShader, or a fallback adapter) unless allowed; auto falls back to wasm', async () => {
    stubGpu({ isFallbackAdapter: false, info: { vendor: 'google', architecture: 'swiftshader' } });
    const swiftshader = await failure(createOnnxWebBackend({ device: 'webgpu', module: realOrt }));
    expect(swiftshader.message).toBe('onnx-web-webgpu: the WebGPU adapter is a software one (swiftshader), far slower than WebAssembly');
    stubGpu({ isFallbackAdapter: true, info: { vendor: 'someone' } });
    await failure(createOnnxWebBackend({ device: 'webgpu', module: realOrt }));
    const auto = await createOnnxWebBackend({ device: 'auto', threads: 1, module: realOrt });
    expect(auto.name).toBe('onnx-web-wasm');
  });

  it('hands a hardware adapter to ONNX Runtime and names the backend after WebGPU', async () => {
    const adapter = { isFallbackAdapter: false, info: { vendor: 'nvidia', architecture: 'ada' } };
    stubGpu(adapter);
    const ort = await realOrt();
    const seen: unknown[] = [];
    const fake = {
      env: { wasm: {}, webgpu: {} },
      Tensor: ort.Tensor,
      InferenceSession: {
        create: (_model: Uint8Array, options: { executionProviders: unknown }) => {
          seen.push(options.executionProviders);
          return Promise.resolve({
            run: () => Promise.resolve({ y: { dims: [2], data: new Float32Array([2, 3]) } }),
            release: () => Promise.resolve(),
          });
        },
      },
    } as unknown as typeof OrtWeb;
    const backend = await createOnnxWebBackend({ device: 'auto', module: () => Promise.resolve(fake) });
    expect(backend.name).toBe('onnx-web-webgpu');
    expect((fake.env.webgpu as { adapter?: unknown }).adapter).toBe(adapter);
    expect(seen).toEqual([['webgpu', 'wasm']]);
  });
});

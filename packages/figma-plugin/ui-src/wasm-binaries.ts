/**
 * tfjs's wasm binaries, inlined into ui.html by the build (esbuild's binary loader), and served to tfjs
 * without any network request.
 *
 * Why inline: the UI must work whatever host serves the model, and Figma's networkAccess CSP governs what
 * the iframe may fetch; a request that never leaves the page cannot be blocked. Cost: ~0.7 MB of ui.html
 * (the plain and SIMD builds, base64). The threaded build is left out: threads need a cross-origin-isolated
 * page, which Figma's plugin iframe is not, so tfjs is told there are none.
 *
 * How: setWasmPaths(map, usePlatformFetch = true) makes tfjs load each binary through
 * `tf.env().platform.fetch`, which is wrapped here to answer the inline names from memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';

const INLINE_PREFIX = 'inline-wasm:';

const BINARIES: Readonly<Record<string, Uint8Array>> = {
  'tfjs-backend-wasm.wasm': plainWasm,
  'tfjs-backend-wasm-simd.wasm': simdWasm,
};

let installed = false;

/** Points tfjs-backend-wasm at the inlined binaries. Call before the 'wasm' backend first starts. */
export function useInlineWasm(): void {
  if (installed) return;
  installed = true;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // An own property on the platform instance shadows its prototype method (setPlatform would log a warning).
  const platform = tf.env().platform;
  const fetchOriginal = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) => {
    const bytes = path.startsWith(INLINE_PREFIX) ? BINARIES[path.slice(INLINE_PREFIX.length)] : undefined;
    if (bytes === undefined) return fetchOriginal(path, init);
    return Promise.resolve(new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/wasm' } }));
  };
  // tfjs wants an entry for all three names even when it will never pick the threaded one.
  setWasmPaths(
    {
      'tfjs-backend-wasm.wasm': `${INLINE_PREFIX}tfjs-backend-wasm.wasm`,
      'tfjs-backend-wasm-simd.wasm': `${INLINE_PREFIX}tfjs-backend-wasm-simd.wasm`,
      'tfjs-backend-wasm-threaded-simd.wasm': `${INLINE_PREFIX}tfjs-backend-wasm-simd.wasm`,
    },
    true,
  );
}

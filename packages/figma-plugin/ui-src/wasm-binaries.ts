/**
 * tfjs's wasm binaries, inlined into ui.html by the build (esbuild's binary loader) and served to tfjs from
 * memory by core's startInlineWasmBackend (@adaattn/core/browser).
 *
 * Why inline: the UI must work whatever host serves the model, and Figma's networkAccess CSP governs what
 * the iframe may fetch; a request that never leaves the page cannot be blocked. Cost: ~0.7 MB of ui.html
 * (the plain and SIMD builds, base64). The threaded build is left out: threads need a cross-origin-isolated
 * page, which Figma's plugin iframe is not.
 */
import type { InlineWasmBinaries } from '@adaattn/core/browser';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';

export const WASM_BINARIES: InlineWasmBinaries = { plain: plainWasm, simd: simdWasm };

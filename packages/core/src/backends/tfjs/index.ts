/**
 * `@adaattn/core/backends/tfjs`: the tensor interface on TensorFlow.js.
 *
 * Importing this module registers 'tfjs-tensorflow', 'tfjs-wasm' and 'tfjs-cpu' with the core backend
 * registry (fastest first) without loading any tfjs backend: each loads when it is chosen.
 */
import { registerBackend } from '../../tensor/registry.js';
import { createTfjsBackend } from './create.js';

export { createTfjsBackend, type TfjsBackendOptions } from './create.js';

registerBackend('tfjs-tensorflow', () => createTfjsBackend({ name: 'tensorflow' }), 30);
registerBackend('tfjs-wasm', () => createTfjsBackend({ name: 'wasm' }), 20);
registerBackend('tfjs-cpu', () => createTfjsBackend({ name: 'cpu' }), 10);

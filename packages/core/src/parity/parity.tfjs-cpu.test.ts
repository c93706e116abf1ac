import { createTfjsBackend } from '../backends/tfjs/index.js';
import { describeParity, FULL_PARITY } from './test-utils/parity-suite.js';

// tfjs-cpu is plain JS (~30× slower than wasm): the smallest case by default, every case with ADAATTN_PARITY_FULL=1.
describeParity('tfjs-cpu', () => createTfjsBackend({ name: 'cpu' }), { cases: (c) => FULL_PARITY || c.name === 'seeded_32x48_sampled' });

import { createTfjsBackend } from '../backends/tfjs/index.js';
import { describeParity } from './test-utils/parity-suite.js';

describeParity('tfjs-wasm', () => createTfjsBackend({ name: 'wasm' }));

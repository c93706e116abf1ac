import { describeParity } from '../../parity/test-utils/parity-suite.js';
import { createOnnxNodeBackend } from './node.js';

// Every case, as on tfjs-wasm: ONNX Runtime is the Node default, so it gets the full check.
describeParity('onnx-node', () => createOnnxNodeBackend());

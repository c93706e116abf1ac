import { describeConformance } from '../../tensor/test-utils/conformance-runner.js';
import { createOnnxWebBackend } from './web.js';

// onnxruntime-web in Node: the wasm execution provider, single-threaded (as in a page without isolation).
describeConformance('onnx-web (wasm)', () => createOnnxWebBackend({ device: 'wasm', threads: 1 }));

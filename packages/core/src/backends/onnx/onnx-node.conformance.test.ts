import { describeConformance } from '../../tensor/test-utils/conformance-runner.js';
import { createOnnxNodeBackend } from './node.js';

describeConformance('onnx-node', () => createOnnxNodeBackend());

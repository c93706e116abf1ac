import { describeConformance } from '../../tensor/test-utils/conformance-runner.js';
import { createOnnxNodeBackend } from './node.js';

// A one-byte budget: every graph is computed in bands of one row (banded.ts), so each op's band rule and
// the statistics' band-wise combination are checked against the same cases as the whole graphs.
describeConformance('onnx-node, every graph in bands', () => createOnnxNodeBackend({ memoryBudgetBytes: 1 }));

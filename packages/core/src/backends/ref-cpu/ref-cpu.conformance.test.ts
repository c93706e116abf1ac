import { describeConformance } from '../../tensor/test-utils/conformance-runner.js';
import { createReferenceBackend } from './index.js';

describeConformance('ref-cpu', () => createReferenceBackend());

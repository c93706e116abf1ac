import { describeConformance } from '../../tensor/test-utils/conformance-runner.js';
import { createTfjsBackend } from './index.js';

describeConformance('tfjs-cpu', () => createTfjsBackend({ name: 'cpu' }));

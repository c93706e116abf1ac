import { createReferenceBackend } from '../backends/ref-cpu/index.js';
import { describeParity, FULL_PARITY } from './test-utils/parity-suite.js';

// The plain-TS reference kernels take 10–50 s a case: only with ADAATTN_PARITY_FULL=1.
describeParity('ref-cpu', () => createReferenceBackend(), { cases: () => FULL_PARITY });

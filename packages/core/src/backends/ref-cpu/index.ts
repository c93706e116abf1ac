/**
 * The reference backend: plain TypeScript, no dependencies, very slow. It is the conformance oracle and a
 * way to run tiny inputs anywhere; use a real runtime (`@adaattn/core/backends/tfjs`) for images.
 */
import { createBackend, type Backend } from '../../tensor/backend.js';
import { registerBackend } from '../../tensor/registry.js';
import { ReferenceKernels } from './kernels.js';

export function createReferenceBackend(): Backend {
  return createBackend(new ReferenceKernels());
}

/** Registers 'ref-cpu' at the lowest priority: `resolveBackend()` picks it only when nothing else starts. */
export function registerReferenceBackend(): void {
  registerBackend('ref-cpu', () => Promise.resolve(createReferenceBackend()), -100);
}

/**
 * Test helpers shared by every package's tests (`@adaattn/core/testing`): seeded random weights with the
 * official shapes, and a smooth seeded test picture. Not part of the runtime API; no plugin bundle imports it.
 */
export { randomImageWeights, randomStrengthEndpoint, randomVideoWeights, testPixels } from './random-weights.js';
export { writeTestPth, type TestPthFormat } from './pth.js';

/**
 * Reflection padding by any amount, for bringing content to a size the model accepts.
 *
 * PyTorch's (and tfjs's) reflection pad needs pad < axis length; larger pads are done in rounds, each
 * reflecting the grown tensor again. An axis of length 1 has nothing to reflect, so it is first repeated
 * (the only sensible "reflection" of a single row).
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';

/** Pads bottom and right of x [N,C,H,W] by reflection up to outH × outW (≥ H × W). */
export function reflectPadTo(b: Backend, x: Tensor, outH: number, outW: number): Tensor {
  return b.scope(() => {
    let y = x;
    for (;;) {
      const [, , h, w] = y.shape as [number, number, number, number];
      if (h === outH && w === outW) return y === x ? b.affine(x, 1, 0) : y;
      if ((h === 1 && outH > 1) || (w === 1 && outW > 1)) {
        y = b.resizeNearest(y, h === 1 && outH > 1 ? 2 : h, w === 1 && outW > 1 ? 2 : w);
        continue;
      }
      y = b.reflectPad(y, [0, Math.min(outH - h, h - 1), 0, Math.min(outW - w, w - 1)]);
    }
  });
}

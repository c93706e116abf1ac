/**
 * The image model's merge of its two deep attention levels (the authors' `Transformer.forward`, whose
 * checkpoint is latest_net_transformer.pth): merge_conv(reflect_pad(AdaAttN_4 + up2(AdaAttN_5))), a 3×3 conv
 * 512 → 512 without ReLU. The two AdaAttN modules of that checkpoint run through `AdaAttnModule.apply`.
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/types.js';
import { conv3x3, disposeLayer, up2, uploadConv, type Conv, type Int8Layers } from './layers.js';
import { MERGE_CONV } from '../architecture.js';

export class LevelMerge {
  private readonly conv: Conv;

  private constructor(conv: Conv) {
    this.conv = conv;
  }

  static upload(b: Backend, map: WeightMap, int8: Int8Layers = {}): LevelMerge {
    return new LevelMerge(uploadConv(b, map, MERGE_CONV, int8));
  }

  /** out4 [1,512,H/8,W/8], out5 [1,512,H/16,W/16] → [1,512,H/8,W/8]. */
  apply(b: Backend, out4: Tensor, out5: Tensor): Tensor {
    return b.scope(() => conv3x3(b, b.add(out4, up2(b, out5)), this.conv, false));
  }

  dispose(): void {
    disposeLayer(this.conv);
  }
}

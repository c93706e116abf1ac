/**
 * The image decoder (networks.py `Decoder` with skip_connection_3): decoder_layer_1 on the transformer
 * output, concatenation with the relu3_1 AdaAttN output (decoder output first, then the skip), then
 * decoder_layer_2 back to RGB. No clamp: the output is unbounded; pixels are clamped on conversion.
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/types.js';
import { conv3x3, disposeLayer, up2, uploadConv, type Conv } from './layers.js';
import { DECODER_HEAD, DECODER_STEPS, type DecoderStep } from './spec.js';

export class Decoder {
  private readonly head: Conv;
  private readonly convs: readonly Conv[];

  private constructor(head: Conv, convs: readonly Conv[]) {
    this.head = head;
    this.convs = convs;
  }

  static upload(b: Backend, map: WeightMap): Decoder {
    return new Decoder(uploadConv(b, map, DECODER_HEAD), DECODER_STEPS.map((s) => uploadConv(b, map, s)));
  }

  /**
   * features [1,512,H/8,W/8], skip [1,256,H/4,W/4] → [1,3,H,W], owned by the caller. One scope per layer;
   * `afterLayer` (progress, cancellation) is awaited between layers.
   */
  async decode(b: Backend, features: Tensor, skip: Tensor, afterLayer: (done: number, total: number) => Promise<void>): Promise<Tensor> {
    const total = this.convs.length + 1;
    let x = b.scope(() => b.concat([up2(b, conv3x3(b, features, this.head, true)), skip], 1));
    try {
      await afterLayer(1, total);
      for (let i = 0; i < this.convs.length; i++) {
        const conv = this.convs[i] as Conv;
        const step = conv.spec as DecoderStep;
        const prev = x;
        x = b.scope(() => {
          const y = conv3x3(b, prev, conv, step.relu);
          return step.up ? up2(b, y) : y;
        });
        prev.dispose();
        await afterLayer(i + 2, total);
      }
      return x;
    } catch (error) {
      x.dispose();
      throw error;
    }
  }

  dispose(): void {
    disposeLayer(this.head);
    this.convs.forEach(disposeLayer);
  }
}

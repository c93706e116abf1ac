/**
 * The VGG-19 encoder in the official vgg_normalised layout, returning relu1_1 … up to its last level
 * (relu5_1 for the image model, relu3_1 for the video model, which stops at layer 16).
 */
import type { Backend } from '../tensor/backend.js';
import { disposeAll, type Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/types.js';
import { conv3x3InBands, disposeLayer, uploadConv, type Conv, type Int8Layers } from './layers.js';
import { ENCODER_INPUT, ENCODER_STEPS, type EncoderStep, type Level } from '../architecture.js';

export class Encoder {
  private readonly input: Conv;
  private readonly convs: readonly Conv[];

  private constructor(input: Conv, convs: readonly Conv[]) {
    this.input = input;
    this.convs = convs;
  }

  /** Uploads the convs up to the one that ends `last`; the map may hold more (vgg_normalised goes on to 51). */
  static upload(b: Backend, map: WeightMap, last: Level = 'relu5_1', int8: Int8Layers = {}): Encoder {
    const end = ENCODER_STEPS.findIndex((s) => s.tap === last) + 1;
    const steps = ENCODER_STEPS.slice(0, end);
    const input = uploadConv(b, map, ENCODER_INPUT);
    const convs: Conv[] = [];
    try {
      for (const step of steps) convs.push(uploadConv(b, map, step, int8));
    } catch (error) {
      [input, ...convs].forEach(disposeLayer);
      throw error;
    }
    return new Encoder(input, convs);
  }

  /** Layers `encode` reports through `afterLayer`. */
  get layerCount(): number {
    return this.convs.length;
  }

  /**
   * x [N,3,H,W] RGB in [0,1] (layer 0 does the normalisation) → [relu1_1, …, last level], owned by the caller.
   * One scope per layer; `afterLayer` (progress, cancellation) is awaited between layers, and with `inBands`
   * also between bands of a large convolution (conv3x3InBands).
   */
  async encode(b: Backend, x: Tensor, afterLayer: (done: number, total: number) => Promise<void>, inBands = false): Promise<Tensor[]> {
    const taps: Tensor[] = [];
    // Layer 0: the 1×1 colour conv, no padding and no ReLU.
    let h = b.conv2d(x, this.input.weight, this.input.bias, false);
    try {
      for (let i = 0; i < this.convs.length; i++) {
        const conv = this.convs[i] as Conv;
        const step = conv.spec as EncoderStep;
        const prev = h;
        const input = step.pool ? b.maxPool2x2Ceil(prev) : prev;
        try {
          h = await conv3x3InBands(b, input, conv, true, inBands ? (f) => afterLayer(i + f, this.convs.length) : undefined);
        } finally {
          if (input !== prev) input.dispose();
        }
        if (!taps.includes(prev)) prev.dispose();
        if (step.tap !== undefined) taps.push(h);
        await afterLayer(i + 1, this.convs.length);
      }
      return taps;
    } catch (error) {
      disposeAll(taps, h);
      throw error;
    }
  }

  dispose(): void {
    disposeLayer(this.input);
    this.convs.forEach(disposeLayer);
  }
}

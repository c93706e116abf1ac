/**
 * The decoders. Both end in the same run of convs from relu3_1 resolution back to RGB (architecture.ts
 * `decoderTail`), held here as a ConvStack:
 *
 * - image (networks.py `Decoder` with skip_connection_3): decoder_layer_1 on the transformer output,
 *   concatenation with the relu3_1 AdaAttN output (decoder output first, then the skip), then
 *   decoder_layer_2;
 * - video (inference_frame.py): the stack `decoder.*` straight on the relu3_1 AdaAttN output.
 *
 * No clamp: the output is unbounded; pixels are clamped on conversion.
 */
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { WeightMap } from '../weights/types.js';
import { conv3x3, conv3x3InBands, disposeLayer, up2, uploadConv, type Conv, type Int8Layers } from './layers.js';
import { DECODER_HEAD, DECODER_STEPS, VIDEO_DECODER_STEPS, type DecoderStep } from '../architecture.js';

export type AfterLayer = (done: number, total: number) => Promise<void>;

/** Reflect-padded 3×3 convs, each with its optional ReLU and ×2 upsampling, one scope per layer. */
export class ConvStack {
  private readonly convs: readonly Conv[];

  private constructor(convs: readonly Conv[]) {
    this.convs = convs;
  }

  static upload(b: Backend, map: WeightMap, steps: readonly DecoderStep[], int8: Int8Layers = {}): ConvStack {
    const convs: Conv[] = [];
    try {
      for (const step of steps) convs.push(uploadConv(b, map, step, int8));
    } catch (error) {
      convs.forEach(disposeLayer);
      throw error;
    }
    return new ConvStack(convs);
  }

  get length(): number {
    return this.convs.length;
  }

  /**
   * Runs every layer on x and returns a new tensor, owned by the caller. With `consume`, x is freed as soon
   * as the first layer has used it (a decoder's input is its largest activation); otherwise it stays the
   * caller's. `afterLayer(i + 1)` is awaited after layer i, and with `inBands` between bands of a large
   * convolution (conv3x3InBands).
   */
  async run(b: Backend, x: Tensor, afterLayer: (done: number) => Promise<void>, consume = false, inBands = false): Promise<Tensor> {
    let y = x;
    try {
      for (const [i, conv] of this.convs.entries()) {
        const step = conv.spec as DecoderStep;
        const prev = y;
        const out = await conv3x3InBands(b, prev, conv, step.relu, inBands ? (f) => afterLayer(i + f) : undefined);
        y = step.up ? b.scope(() => up2(b, out)) : out;
        if (y !== out) out.dispose();
        if (prev !== x || consume) prev.dispose();
        await afterLayer(i + 1);
      }
      return y;
    } catch (error) {
      if (y !== x || consume) y.dispose();
      throw error;
    }
  }

  dispose(): void {
    this.convs.forEach(disposeLayer);
  }
}

export class Decoder {
  private readonly head: Conv;
  private readonly stack: ConvStack;

  private constructor(head: Conv, stack: ConvStack) {
    this.head = head;
    this.stack = stack;
  }

  static upload(b: Backend, map: WeightMap, int8: Int8Layers = {}): Decoder {
    const head = uploadConv(b, map, DECODER_HEAD, int8);
    try {
      return new Decoder(head, ConvStack.upload(b, map, DECODER_STEPS, int8));
    } catch (error) {
      disposeLayer(head);
      throw error;
    }
  }

  /** Layers `decode` reports through `afterLayer`. */
  get layerCount(): number {
    return this.stack.length + 1;
  }

  /**
   * features [1,512,H/8,W/8], skip [1,256,H/4,W/4] → [1,3,H,W], owned by the caller. One scope per layer;
   * `afterLayer` (progress, cancellation) is awaited between layers.
   */
  async decode(b: Backend, features: Tensor, skip: Tensor, afterLayer: AfterLayer, inBands = false): Promise<Tensor> {
    const total = this.stack.length + 1;
    const x = b.scope(() => b.concat([up2(b, conv3x3(b, features, this.head, true)), skip], 1));
    try {
      await afterLayer(1, total);
    } catch (error) {
      x.dispose();
      throw error;
    }
    return this.stack.run(b, x, (done) => afterLayer(done + 1, total), true, inBands);
  }

  dispose(): void {
    disposeLayer(this.head);
    this.stack.dispose();
  }
}

export class VideoDecoder {
  private readonly stack: ConvStack;

  private constructor(stack: ConvStack) {
    this.stack = stack;
  }

  static upload(b: Backend, map: WeightMap, int8: Int8Layers = {}): VideoDecoder {
    return new VideoDecoder(ConvStack.upload(b, map, VIDEO_DECODER_STEPS, int8));
  }

  get layerCount(): number {
    return this.stack.length;
  }

  /** relu3_1 features [1,256,H/4,W/4] → [1,3,H,W], owned by the caller. */
  decode(b: Backend, features: Tensor, afterLayer: AfterLayer, inBands = false): Promise<Tensor> {
    return this.stack.run(b, features, (done) => afterLayer(done, this.stack.length), false, inBands);
  }

  dispose(): void {
    this.stack.dispose();
  }
}

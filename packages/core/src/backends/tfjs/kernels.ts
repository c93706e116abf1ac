/**
 * The core kernels on TensorFlow.js, for any tfjs backend (wasm, cpu, tensorflow, webgl, webgpu).
 *
 * Layout: the interface is NCHW, but tfjs convolutions, pools, pads and resizes take NHWC only
 * (`dataFormat: 'NCHW'` is unimplemented). So every rank-4 tensor is kept NHWC inside its tfjs tensor and
 * converted only at the edges (upload/read) and in the rare ops whose axes do not line up (reshape,
 * transpose, softmax of rank 4). Broadcasting between two rank-4 tensors is unaffected (both are
 * permuted alike), and the attention's positions form [N,H·W,C] is a free reshape of NHWC.
 * Other ranks are stored as they are.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BinaryOp, KernelInput, Kernels, Pads } from '../../tensor/kernels.js';
import { nearestSourceIndices } from '../../tensor/nearest.js';
import type { Shape } from '../../tensor/types.js';

type In = KernelInput<tf.Tensor>;

/** Logical (NCHW) axis → physical (NHWC) axis. */
const PHYSICAL_AXIS = [0, 3, 1, 2] as const;
/** Physical axis k holds logical axis TO_NHWC[k]; also the perm that turns NCHW data into NHWC. */
const TO_NHWC = [0, 2, 3, 1] as const;
const TO_NCHW = [0, 3, 1, 2] as const;

function axisOf(rank: number, axis: number): number {
  return rank === 4 ? PHYSICAL_AXIS[axis as 0 | 1 | 2 | 3] : axis;
}

/** The physical data as logical row-major (NCHW for rank 4). */
function logical(x: tf.Tensor): tf.Tensor {
  return x.rank === 4 ? tf.transpose(x, [...TO_NCHW]) : x;
}

/** Logical row-major data into the physical layout. */
function physical(x: tf.Tensor): tf.Tensor {
  return x.rank === 4 ? tf.transpose(x, [...TO_NHWC]) : x;
}

const binaryOps: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
};

export class TfjsKernels implements Kernels<tf.Tensor> {
  readonly name: string;
  private readonly tfBackend: string;
  /** OIHW weights → the HWIO filters tfjs convolves with, made on first use and freed with the weight. */
  private readonly filters = new Map<tf.Tensor, tf.Tensor4D>();

  constructor(tfBackend: string) {
    this.tfBackend = tfBackend;
    this.name = `tfjs-${tfBackend}`;
  }

  /**
   * Runs `fn` on this instance's tfjs backend inside tf.tidy, so a kernel's temporaries die with it.
   * tfjs has one active backend per process; switching to an initialised one is synchronous.
   */
  private run(inputs: readonly In[], fn: () => tf.Tensor): tf.Tensor {
    if (tf.getBackend() !== this.tfBackend) void tf.setBackend(this.tfBackend);
    const out = tf.tidy(fn);
    // Core disposes inputs and outputs separately: never hand back an input as the result.
    return inputs.some((x) => x.handle === out) ? tf.clone(out) : out;
  }

  liveHandles(): number {
    return tf.memory().numTensors;
  }

  upload(data: Float32Array, shape: Shape): tf.Tensor {
    // tf.tensor may keep a reference to `data` (cpu backend): copy so the caller can reuse its array.
    return this.run([], () => physical(tf.tensor(data.slice(), [...shape], 'float32')));
  }

  async read(x: In): Promise<Float32Array> {
    if (tf.getBackend() !== this.tfBackend) void tf.setBackend(this.tfBackend);
    if (x.handle.rank !== 4) return ((await x.handle.data()) as Float32Array).slice();
    const nchw = tf.transpose(x.handle, [...TO_NCHW]);
    try {
      return (await nchw.data()) as Float32Array;
    } finally {
      nchw.dispose();
    }
  }

  dispose(handle: tf.Tensor): void {
    this.filters.get(handle)?.dispose();
    this.filters.delete(handle);
    handle.dispose();
  }

  private filter(w: tf.Tensor): tf.Tensor4D {
    let f = this.filters.get(w);
    if (f === undefined) {
      // Stored as NHWC of [O,I,kh,kw] = [O,kh,kw,I]; tfjs wants [kh,kw,I,O].
      f = tf.keep(tf.transpose(w, [1, 2, 3, 0]) as tf.Tensor4D);
      this.filters.set(w, f);
    }
    return f;
  }

  conv2d(x: In, w: In, bias: In | null, relu: boolean): tf.Tensor {
    return this.run([x], () =>
      tf.fused.conv2d({
        x: x.handle as tf.Tensor4D,
        filter: this.filter(w.handle),
        strides: 1,
        pad: 'valid',
        ...(bias === null ? {} : { bias: bias.handle }),
        activation: relu ? 'relu' : 'linear',
      }),
    );
  }

  relu(x: In): tf.Tensor {
    return this.run([x], () => tf.relu(x.handle));
  }

  sqrt(x: In): tf.Tensor {
    return this.run([x], () => tf.sqrt(x.handle));
  }

  binary(op: BinaryOp, a: In, b: In): tf.Tensor {
    return this.run([a, b], () => binaryOps[op](a.handle, b.handle));
  }

  affine(x: In, scale: number, offset: number): tf.Tensor {
    return this.run([x], () => {
      const scaled = scale === 1 ? x.handle : tf.mul(x.handle, tf.scalar(scale));
      return offset === 0 ? scaled : tf.add(scaled, tf.scalar(offset));
    });
  }

  maxPool2x2Ceil(x: In): tf.Tensor {
    // 'same' padding with a 2×2 window and stride 2 pads one -inf row/column at the end of an odd axis:
    // exactly ceil_mode=True.
    return this.run([x], () => tf.maxPool(x.handle as tf.Tensor4D, 2, 2, 'same'));
  }

  reflectPad(x: In, [top, bottom, left, right]: Pads): tf.Tensor {
    return this.run([x], () =>
      tf.mirrorPad(
        x.handle,
        [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        'reflect',
      ),
    );
  }

  resizeNearest(x: In, outH: number, outW: number): tf.Tensor {
    const [, , h, w] = x.shape as [number, number, number, number];
    return this.run([x], () => {
      const simple = (outH === h || outH === 2 * h) && (outW === w || outW === 2 * w);
      // tfjs computes the source index in float64 (cpu) or its own float32 order (wasm); both agree with
      // PyTorch for ×1 and ×2 only, so other ratios gather with PyTorch's own index table.
      if (simple) return tf.image.resizeNearestNeighbor(x.handle as tf.Tensor4D, [outH, outW], false, false);
      let y = x.handle;
      if (outH !== h) y = tf.gather(y, tf.tensor1d(nearestSourceIndices(h, outH), 'int32'), 1);
      if (outW !== w) y = tf.gather(y, tf.tensor1d(nearestSourceIndices(w, outW), 'int32'), 2);
      return y;
    });
  }

  concat(xs: readonly In[], axis: number): tf.Tensor {
    const rank = (xs[0] as In).shape.length;
    return this.run(xs, () =>
      tf.concat(
        xs.map((x) => x.handle),
        axisOf(rank, axis),
      ),
    );
  }

  spatialMean(x: In): tf.Tensor {
    return this.run([x], () => tf.mean(x.handle, [1, 2], true));
  }

  spatialVariance(x: In): tf.Tensor {
    const [, , h, w] = x.shape as [number, number, number, number];
    const n = h * w;
    // tf.moments divides by N; PyTorch's var() by N − 1 (n = 1 gives 0·∞ = NaN, as in PyTorch).
    return this.run([x], () => tf.mul(tf.moments(x.handle, [1, 2], true).variance, tf.scalar(n / (n - 1))));
  }

  matmul(a: In, b: In, transposeA: boolean, transposeB: boolean): tf.Tensor {
    // tfjs-wasm's BatchMatMul is ~12× slower with transposeB and ~50× with transposeA than on plain
    // operands (measured at 4096×448·448×4096); an explicit transpose first costs next to nothing.
    const t = (x: tf.Tensor, yes: boolean) => (yes ? tf.transpose(x, [0, 2, 1]) : x);
    return this.run([a, b], () => tf.matMul(t(a.handle, transposeA), t(b.handle, transposeB)));
  }

  softmax(x: In): tf.Tensor {
    return this.run([x], () => (x.handle.rank === 4 ? physical(tf.softmax(logical(x.handle))) : tf.softmax(x.handle)));
  }

  rowMax(x: In): tf.Tensor {
    return this.run([x], () => (x.handle.rank === 4 ? physical(tf.max(logical(x.handle), -1, true)) : tf.max(x.handle, -1, true)));
  }

  gather(x: In, indices: Int32Array, axis: number): tf.Tensor {
    return this.run([x], () => tf.gather(x.handle, tf.tensor1d(indices, 'int32'), axisOf(x.shape.length, axis)));
  }

  reshape(x: In, shape: Shape): tf.Tensor {
    return this.run([x], () => physical(tf.reshape(logical(x.handle), [...shape])));
  }

  transpose(x: In, perm: readonly number[]): tf.Tensor {
    if (x.shape.length !== 4) return this.run([x], () => tf.transpose(x.handle, [...perm]));
    // One physical transpose: output physical axis k holds logical axis perm[TO_NHWC[k]], which lives at
    // physical axis PHYSICAL_AXIS[...] of the input.
    const physicalPerm = TO_NHWC.map((k) => PHYSICAL_AXIS[perm[k] as 0 | 1 | 2 | 3]);
    return this.run([x], () => tf.transpose(x.handle, physicalPerm));
  }

  slice(x: In, begin: readonly number[], size: readonly number[]): tf.Tensor {
    if (x.shape.length !== 4) return this.run([x], () => tf.slice(x.handle, [...begin], [...size]));
    return this.run([x], () =>
      tf.slice(
        x.handle,
        TO_NHWC.map((k) => begin[k] as number),
        TO_NHWC.map((k) => size[k] as number),
      ),
    );
  }

  toPositions(x: In): tf.Tensor {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.run([x], () => tf.reshape(x.handle, [n, h * w, c]));
  }

  fromPositions(x: In, height: number, width: number): tf.Tensor {
    const [n, , c] = x.shape as [number, number, number];
    return this.run([x], () => tf.reshape(x.handle, [n, height, width, c]));
  }
}

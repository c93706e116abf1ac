/**
 * Plain TypeScript kernels: slow, obvious loops over NCHW row-major Float32Arrays, accumulating in float64.
 * They are the oracle the conformance suite compares real runtimes with, and a last-resort backend with no
 * dependencies. Handles are never mutated, so views (reshape) may share an array.
 */
import type { BinaryOp, KernelInput, Kernels, Pads } from '../../tensor/kernels.js';
import { nearestSourceIndices } from '../../tensor/nearest.js';
import type { Shape } from '../../tensor/types.js';
import { sizeOf } from '../../tensor/types.js';

type In = KernelInput<Float32Array>;

function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] as number;
  }
  return strides;
}

/** Calls `visit(outIndex, aIndex, bIndex)` over a broadcast of two equal-rank shapes. */
function broadcastWalk(a: Shape, b: Shape, visit: (o: number, ia: number, ib: number) => void): Shape {
  const out = a.map((d, i) => Math.max(d, b[i] as number));
  const sa = stridesOf(a).map((s, i) => ((a[i] as number) === 1 ? 0 : s));
  const sb = stridesOf(b).map((s, i) => ((b[i] as number) === 1 ? 0 : s));
  const idx = new Array<number>(out.length).fill(0);
  const total = sizeOf(out);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < total; o++) {
    visit(o, ia, ib);
    for (let d = out.length - 1; d >= 0; d--) {
      idx[d]!++;
      ia += sa[d] as number;
      ib += sb[d] as number;
      if (idx[d]! < (out[d] as number)) break;
      ia -= (sa[d] as number) * (out[d] as number);
      ib -= (sb[d] as number) * (out[d] as number);
      idx[d] = 0;
    }
  }
  return out;
}

const binaryFns: Record<BinaryOp, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
};

export class ReferenceKernels implements Kernels<Float32Array> {
  readonly name = 'ref-cpu';
  private handles = 0;

  private made(data: Float32Array): Float32Array {
    this.handles++;
    return data;
  }

  liveHandles(): number {
    return this.handles;
  }

  upload(data: Float32Array): Float32Array {
    return this.made(data.slice());
  }

  read(x: In): Promise<Float32Array> {
    return Promise.resolve(x.handle.slice());
  }

  dispose(): void {
    this.handles--;
  }

  conv2d(x: In, w: In, bias: In | null, relu: boolean): Float32Array {
    const [n, c, h, wd] = x.shape as [number, number, number, number];
    const [o, , kh, kw] = w.shape as [number, number, number, number];
    const oh = h - kh + 1;
    const ow = wd - kw + 1;
    const out = new Float64Array(n * o * oh * ow);
    const xs = x.handle;
    const ws = w.handle;
    for (let b = 0; b < n; b++) {
      for (let oc = 0; oc < o; oc++) {
        const ob = (b * o + oc) * oh * ow;
        out.fill(bias === null ? 0 : (bias.handle[oc] as number), ob, ob + oh * ow);
        for (let ic = 0; ic < c; ic++) {
          const xb = (b * c + ic) * h * wd;
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const wv = ws[((oc * c + ic) * kh + ky) * kw + kx] as number;
              for (let y = 0; y < oh; y++) {
                const xr = xb + (y + ky) * wd + kx;
                const or = ob + y * ow;
                for (let xx = 0; xx < ow; xx++) out[or + xx]! += wv * (xs[xr + xx] as number);
              }
            }
          }
        }
      }
    }
    const result = Float32Array.from(out);
    if (relu) for (let i = 0; i < result.length; i++) result[i] = Math.max(result[i]!, 0);
    return this.made(result);
  }

  relu(x: In): Float32Array {
    return this.made(x.handle.map((v) => Math.max(v, 0)));
  }

  sqrt(x: In): Float32Array {
    return this.made(x.handle.map(Math.sqrt));
  }

  binary(op: BinaryOp, a: In, b: In): Float32Array {
    const f = binaryFns[op];
    const out = new Float32Array(sizeOf(a.shape.map((d, i) => Math.max(d, b.shape[i] as number))));
    broadcastWalk(a.shape, b.shape, (o, ia, ib) => {
      out[o] = f(a.handle[ia] as number, b.handle[ib] as number);
    });
    return this.made(out);
  }

  affine(x: In, scale: number, offset: number): Float32Array {
    return this.made(x.handle.map((v) => v * scale + offset));
  }

  maxPool2x2Ceil(x: In): Float32Array {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const oh = Math.ceil(h / 2);
    const ow = Math.ceil(w / 2);
    const out = new Float32Array(n * c * oh * ow);
    for (let p = 0; p < n * c; p++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2 && 2 * y + dy < h; dy++) {
            for (let dx = 0; dx < 2 && 2 * xx + dx < w; dx++) m = Math.max(m, x.handle[(p * h + 2 * y + dy) * w + 2 * xx + dx] as number);
          }
          out[(p * oh + y) * ow + xx] = m;
        }
      }
    }
    return this.made(out);
  }

  reflectPad(x: In, [top, bottom, left, right]: Pads): Float32Array {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const reflect = (i: number, size: number): number => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
    const rows = Array.from({ length: h + top + bottom }, (_, y) => reflect(y - top, h));
    const cols = Array.from({ length: w + left + right }, (_, xx) => reflect(xx - left, w));
    return this.made(this.remap(x.handle, n * c, h, w, rows, cols));
  }

  resizeNearest(x: In, outH: number, outW: number): Float32Array {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    return this.made(this.remap(x.handle, n * c, h, w, [...nearestSourceIndices(h, outH)], [...nearestSourceIndices(w, outW)]));
  }

  /** out[p, y, x] = in[p, rows[y], cols[x]] */
  private remap(src: Float32Array, planes: number, h: number, w: number, rows: readonly number[], cols: readonly number[]): Float32Array {
    const oh = rows.length;
    const ow = cols.length;
    const out = new Float32Array(planes * oh * ow);
    for (let p = 0; p < planes; p++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++)
          out[(p * oh + y) * ow + xx] = src[(p * h + (rows[y] as number)) * w + (cols[xx] as number)] as number;
      }
    }
    return out;
  }

  concat(xs: readonly In[], axis: number): Float32Array {
    const first = xs[0] as In;
    const outer = sizeOf(first.shape.slice(0, axis));
    const inner = sizeOf(first.shape.slice(axis + 1));
    const total = xs.reduce((s, x) => s + (x.shape[axis] as number), 0);
    const out = new Float32Array(outer * total * inner);
    let offset = 0;
    for (const x of xs) {
      const block = (x.shape[axis] as number) * inner;
      for (let o = 0; o < outer; o++) out.set(x.handle.subarray(o * block, (o + 1) * block), o * total * inner + offset);
      offset += block;
    }
    return this.made(out);
  }

  spatialMean(x: In): Float32Array {
    return this.made(this.moments(x, false));
  }

  spatialVariance(x: In): Float32Array {
    return this.made(this.moments(x, true));
  }

  private moments(x: In, variance: boolean): Float32Array {
    const [n, c, h, w] = x.shape as [number, number, number, number];
    const hw = h * w;
    const out = new Float32Array(n * c);
    for (let p = 0; p < n * c; p++) {
      let sum = 0;
      for (let i = 0; i < hw; i++) sum += x.handle[p * hw + i] as number;
      const mean = sum / hw;
      if (!variance) {
        out[p] = mean;
        continue;
      }
      let sq = 0;
      for (let i = 0; i < hw; i++) sq += ((x.handle[p * hw + i] as number) - mean) ** 2;
      out[p] = sq / (hw - 1);
    }
    return out;
  }

  matmul(a: In, b: In, transposeA: boolean, transposeB: boolean): Float32Array {
    const [ba, a1, a2] = a.shape as [number, number, number];
    const [bb, b1, b2] = b.shape as [number, number, number];
    const [m, k] = transposeA ? [a2, a1] : [a1, a2];
    const nn = transposeB ? b1 : b2;
    const batch = Math.max(ba, bb);
    const out = new Float32Array(batch * m * nn);
    for (let t = 0; t < batch; t++) {
      const ao = (ba === 1 ? 0 : t) * a1 * a2;
      const bo = (bb === 1 ? 0 : t) * b1 * b2;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < nn; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) {
            const av = a.handle[ao + (transposeA ? p * a2 + i : i * a2 + p)] as number;
            const bv = b.handle[bo + (transposeB ? j * b2 + p : p * b2 + j)] as number;
            s += av * bv;
          }
          out[(t * m + i) * nn + j] = s;
        }
      }
    }
    return this.made(out);
  }

  softmax(x: In): Float32Array {
    const last = x.shape[x.shape.length - 1] as number;
    const out = new Float32Array(x.handle.length);
    for (let r = 0; r < x.handle.length / last; r++) {
      let max = -Infinity;
      for (let i = 0; i < last; i++) max = Math.max(max, x.handle[r * last + i] as number);
      let sum = 0;
      const e = new Float64Array(last);
      for (let i = 0; i < last; i++) sum += e[i] = Math.exp((x.handle[r * last + i] as number) - max);
      for (let i = 0; i < last; i++) out[r * last + i] = (e[i] as number) / sum;
    }
    return this.made(out);
  }

  rowMax(x: In): Float32Array {
    const last = x.shape[x.shape.length - 1] as number;
    const out = new Float32Array(x.handle.length / last);
    for (let r = 0; r < out.length; r++) {
      let max = -Infinity;
      for (let i = 0; i < last; i++) max = Math.max(max, x.handle[r * last + i] as number);
      out[r] = max;
    }
    return this.made(out);
  }

  gather(x: In, indices: Int32Array, axis: number): Float32Array {
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis] as number;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const out = new Float32Array(outer * indices.length * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < indices.length; i++) {
        const src = (o * dim + (indices[i] as number)) * inner;
        out.set(x.handle.subarray(src, src + inner), (o * indices.length + i) * inner);
      }
    }
    return this.made(out);
  }

  reshape(x: In): Float32Array {
    return this.made(x.handle);
  }

  transpose(x: In, perm: readonly number[]): Float32Array {
    const outShape = perm.map((p) => x.shape[p] as number);
    const inStrides = stridesOf(x.shape);
    const permStrides = perm.map((p) => inStrides[p] as number);
    const out = new Float32Array(x.handle.length);
    const idx = new Array<number>(perm.length).fill(0);
    let src = 0;
    for (let o = 0; o < out.length; o++) {
      out[o] = x.handle[src] as number;
      for (let d = perm.length - 1; d >= 0; d--) {
        idx[d]!++;
        src += permStrides[d] as number;
        if (idx[d]! < (outShape[d] as number)) break;
        src -= (permStrides[d] as number) * (outShape[d] as number);
        idx[d] = 0;
      }
    }
    return this.made(out);
  }

  slice(x: In, begin: readonly number[], size: readonly number[]): Float32Array {
    const strides = stridesOf(x.shape);
    const out = new Float32Array(sizeOf(size));
    const idx = new Array<number>(size.length).fill(0);
    let src = begin.reduce((s, b, i) => s + b * (strides[i] as number), 0);
    for (let o = 0; o < out.length; o++) {
      out[o] = x.handle[src] as number;
      for (let d = size.length - 1; d >= 0; d--) {
        idx[d]!++;
        src += strides[d] as number;
        if (idx[d]! < (size[d] as number)) break;
        src -= (strides[d] as number) * (size[d] as number);
        idx[d] = 0;
      }
    }
    return this.made(out);
  }
}

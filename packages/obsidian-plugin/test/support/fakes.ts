/**
 * Stand-ins for the two services that need a browser or a model: an image "codec" over a tiny raw format
 * and an engine that inverts the content, can be slowed down, honours aborts and records its calls.
 */
import type { PixelImage } from '@adaattn/core';
import { AbortError } from '@adaattn/core';
import { fitWithin } from '@adaattn/core/browser';
import type { Controls } from '../../src/controls';
import type { EngineRun, StyleRef, StylizeEngine } from '../../src/engine';
import type { ImageCodec } from '../../src/image-codec';

const MAGIC = [0x50, 0x58, 0x4c]; // "PXL"

/** A solid-colour test image in the raw format FakeCodec reads: "PXL", u16 width, u16 height, RGBA. */
export function rawImage(width: number, height: number, rgb: [number, number, number] = [200, 100, 50]): Uint8Array {
  const out = new Uint8Array(7 + width * height * 4);
  out.set(MAGIC);
  new DataView(out.buffer).setUint16(3, width);
  new DataView(out.buffer).setUint16(5, height);
  for (let i = 0; i < width * height; i++) out.set([...rgb, 255], 7 + i * 4);
  return out;
}

export function readRaw(bytes: ArrayBuffer): PixelImage {
  const view = new DataView(bytes);
  if (MAGIC.some((m, i) => view.getUint8(i) !== m)) throw new Error('not a test image');
  const width = view.getUint16(3);
  const height = view.getUint16(5);
  return { width, height, channels: 4, data: new Uint8Array(bytes, 7, width * height * 4) };
}

export class FakeCodec implements ImageCodec {
  async decode(bytes: ArrayBuffer, maxSide: number): Promise<PixelImage> {
    const src = readRaw(bytes);
    const { width, height } = fitWithin(src.width, src.height, maxSide);
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const s = (Math.floor((y * src.height) / height) * src.width + Math.floor((x * src.width) / width)) * 4;
        data.set(src.data.subarray(s, s + 4), (y * width + x) * 4);
      }
    }
    return { width, height, channels: 4, data };
  }

  async encodePng(image: PixelImage): Promise<ArrayBuffer> {
    const out = rawImage(image.width, image.height);
    for (let i = 0; i < image.width * image.height; i++) {
      for (let c = 0; c < 3; c++) out[7 + i * 4 + c] = image.data[i * image.channels + c] as number;
    }
    return out.buffer as ArrayBuffer;
  }
}

export interface EngineCall {
  readonly content: PixelImage;
  readonly styleKey: string;
  readonly controls: Controls;
}

export class FakeEngine implements StylizeEngine {
  readonly calls: EngineCall[] = [];
  disposed = false;
  /** Resolves the current run when called (set `hold` first). */
  release: (() => void) | undefined;
  hold = false;
  fail: Error | undefined;

  async stylize(content: PixelImage, style: StyleRef, controls: Controls, run: EngineRun): Promise<PixelImage> {
    this.calls.push({ content, styleKey: style.key, controls });
    await style.image();
    run.onStatus?.({ phase: 'stylize', fraction: 0.5 });
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.release = resolve;
        run.signal.addEventListener('abort', () => reject(new AbortError()), { once: true });
      });
    }
    if (this.fail) throw this.fail;
    if (run.signal.aborted) throw new AbortError();
    const data = new Uint8Array(content.data.length);
    for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : 255 - (content.data[i] as number);
    return { ...content, data };
  }

  dispose(): void {
    this.disposed = true;
  }
}

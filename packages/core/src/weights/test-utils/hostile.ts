/**
 * The hostile checkpoints of issue 19, generated small and on demand: shared by the tests (which must fail fast
 * on each) and tools/bench/hostile-weights.mjs (which times the loaders on them, before and after).
 */
import { writeSafetensors } from '../safetensors.js';
import { legacyPth, PickleWriter } from './pickle-writer.js';
import { storedZip } from './zip-writer.js';

/** One record of `recordBytes` and `entries` central-directory entries that all point at it. */
export function zipAliasingOneRecord(entries = 65_534, recordBytes = 8 << 20): Uint8Array {
  return storedZip([{ name: 'archive/data/0', data: new Uint8Array(recordBytes) }], { aliasesOfFirst: entries - 1 });
}

/** A zip64 entry whose central extra-field length (65,535) runs past the end of the file. */
export function zipExtraPastEnd(): Uint8Array {
  const bytes = storedZip([{ name: 'archive/data.pkl', data: Uint8Array.from([0x80, 2, 0x4e, 0x2e]) }], { zip64: true });
  const view = new DataView(bytes.buffer);
  for (let at = 0; at + 4 <= bytes.length; at++) {
    if (view.getUint32(at, true) === 0x02014b50) {
      view.setUint16(at + 30, 0xffff, true);
      return bytes;
    }
  }
  throw new Error('no central directory entry');
}

/** A pickle (so a "legacy .pth") whose first opcode is LONG4 with a `bodyBytes`-byte integer. */
export function pickleLong4(bodyBytes = 4 << 20): Uint8Array {
  // Written directly: PickleWriter's number[] buffer is slow at megabytes.
  const bytes = new Uint8Array(8 + bodyBytes).fill(0x11);
  bytes.set([0x80, 2, 0x8b], 0);
  new DataView(bytes.buffer).setUint32(3, bodyBytes, true);
  bytes[bytes.length - 1] = 0x2e; // STOP
  return bytes;
}

/** A pickle that APPENDS `items` integers to a list in one go. */
export function pickleAppends(items = 300_000): Uint8Array {
  const w = new PickleWriter().proto().emptyList().mark();
  for (let i = 0; i < items; i++) w.int(0);
  return w.appends().stop().bytes();
}

/** A legacy .pth of one 1-element storage and `count` stride-0 tensors of `elements` elements each. */
export function pthStrideZero(elements = 2 ** 30, count = 2): Uint8Array {
  const items = Array.from(
    { length: count },
    (_, i) => [`w${i}`, { size: [elements], stride: [0], offset: 0, storage: ['k', 1] }] as const,
  );
  return legacyPth(items, [['k', [1]]]);
}

/** A small float32 tensor `w` holding `value` at index 1, as safetensors. */
export function safetensorsWith(value: number): Uint8Array {
  return writeSafetensors(new Map([['w', { shape: [3], data: new Float32Array([0.5, value, -0.5]) }]]));
}

// @vitest-environment node
/**
 * ModelEngine on the published model packages (packages/model-image, model-video) and tfjs-wasm in Node: loading once, reloading
 * when the location changes, reusing a style's features, cancelling, and the errors a user can meet.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AbortError, type Backend, type PixelImage } from '@adaattn/core';
import { createTfjsBackend } from '@adaattn/core/backends/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { NEUTRAL_CONTROLS } from './controls';
import { ModelEngine, type EnginePhase } from './engine';
import type { ModelSource } from './model-source';

// The model packages as published (packages/model-image, packages/model-video; sharded files included).
const MODELS = fileURLToPath(new URL('../../', import.meta.url));
const hasModel = existsSync(`${MODELS}model-image/model.json`);

/** A source over a model package folder of the repository, counting model.json reads (one per load). */
function source(name: string, reads = { count: 0 }): ModelSource {
  return {
    key: `test:${name}`,
    description: `the test folder "${name}"`,
    readFile: async (path) => {
      if (path === 'model.json') reads.count++;
      return new Uint8Array(await readFile(`${MODELS}${name}/${path}`));
    },
  };
}

function image(size: number, seed: number): PixelImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 13)) % 256;
  return { width: size, height: size, channels: 3, data };
}

let backend: Promise<Backend> | undefined;
const wasm = () => (backend ??= createTfjsBackend({ name: 'wasm' }));

function engineOn(current: { source: ModelSource }) {
  return new ModelEngine({ source: () => current.source, backendChoice: () => 'tfjs-wasm', startBackend: wasm });
}

function phasesOf(run: (onStatus: (s: { phase: EnginePhase }) => void) => Promise<unknown>): Promise<Set<EnginePhase>> {
  const phases = new Set<EnginePhase>();
  return run((s) => phases.add(s.phase)).then(() => phases);
}

describe('ModelEngine', () => {
  let engine: ModelEngine | undefined;
  afterAll(() => engine?.dispose());

  it('says where it looked when there is no model', async () => {
    const e = engineOn({ source: source('does-not-exist') });
    await expect(
      e.stylize(image(32, 1), { key: 's', image: async () => image(32, 2) }, NEUTRAL_CONTROLS, { signal: new AbortController().signal }),
    ).rejects.toThrow(/^no model in the test folder "does-not-exist" \(model\.json is missing\): copy the model folder there/);
  });

  it.skipIf(!existsSync(`${MODELS}model-video/model.json`))('refuses the video model', async () => {
    const e = engineOn({ source: source('model-video') });
    await expect(
      e.stylize(image(32, 1), { key: 's', image: async () => image(32, 2) }, NEUTRAL_CONTROLS, { signal: new AbortController().signal }),
    ).rejects.toThrow(/holds the video model; this plugin needs the image model/);
  });

  it.skipIf(!hasModel)('loads once, reuses the style features, and reloads when the location changes', async () => {
    const reads = { count: 0 };
    const current = { source: source('model-image', reads) };
    engine = engineOn(current);
    const style = { key: 'wave|1', image: async () => image(40, 7) };
    const signal = new AbortController().signal;

    let out: PixelImage | undefined;
    const first = await phasesOf(
      async (onStatus) => (out = await engine!.stylize(image(32, 1), style, NEUTRAL_CONTROLS, { signal, onStatus })),
    );
    expect([...first]).toEqual(['load-model', 'encode-style', 'stylize']);
    expect([out?.width, out?.height, out?.channels]).toEqual([32, 32, 3]);
    expect(out?.data.some((v, i) => v !== image(32, 1).data[i])).toBe(true);

    const second = await phasesOf((onStatus) => engine!.stylize(image(48, 3), style, NEUTRAL_CONTROLS, { signal, onStatus }));
    expect([...second]).toEqual(['stylize']);
    expect(reads.count).toBe(1);

    const backendNow = await wasm();
    const liveBefore = backendNow.memory().tensors;
    current.source = { ...source('model-image', reads), key: 'test:elsewhere' };
    await engine.stylize(image(32, 1), style, NEUTRAL_CONTROLS, { signal });
    expect(reads.count).toBe(2);
    // The old model and style were freed: same number of live tensors as before the reload.
    expect(backendNow.memory().tensors).toBe(liveBefore);
  });

  it.skipIf(!hasModel)('applies strength and colour preservation; colour matching encodes the style afresh', async () => {
    const e = engine!;
    const style = { key: 'wave|1', image: async () => image(40, 7) };
    const signal = new AbortController().signal;
    const content = image(32, 1);
    const full = await e.stylize(content, style, NEUTRAL_CONTROLS, { signal });
    const half = await e.stylize(content, style, { strength: 0.5, preserveColor: 'off' }, { signal });
    const meanDiff = (a: PixelImage, b: PixelImage) => {
      let d = 0;
      for (let i = 0; i < a.data.length; i++) d += Math.abs((a.data[i] as number) - (b.data[i] as number));
      return d / a.data.length;
    };
    expect(meanDiff(full, half)).toBeGreaterThan(1);
    // Luminance mode keeps the content's chroma: its colour differences (R−G, B−G) follow the content's.
    const lum = await e.stylize(content, style, { strength: 1, preserveColor: 'luminance' }, { signal });
    const chromaDiff = (a: PixelImage, b: PixelImage) => {
      let d = 0;
      for (let i = 0; i < a.data.length; i += 3) {
        const ca = [(a.data[i] as number) - (a.data[i + 1] as number), (a.data[i + 2] as number) - (a.data[i + 1] as number)];
        const cb = [(b.data[i] as number) - (b.data[i + 1] as number), (b.data[i + 2] as number) - (b.data[i + 1] as number)];
        d += Math.abs((ca[0] as number) - (cb[0] as number)) + Math.abs((ca[1] as number) - (cb[1] as number));
      }
      return d / (a.data.length / 3);
    };
    expect(chromaDiff(lum, content)).toBeLessThan(chromaDiff(full, content));
    const phases = await phasesOf((onStatus) =>
      e.stylize(content, style, { strength: 1, preserveColor: 'histogram' }, { signal, onStatus }),
    );
    expect([...phases]).toEqual(['stylize']); // the style is encoded inside core's stylize, not from the cache
  });

  it.skipIf(!hasModel)('a cancelled run rejects with AbortError and leaves the engine usable', async () => {
    const e = engine!;
    const controller = new AbortController();
    const run = e.stylize(image(64, 5), { key: 'other', image: async () => image(32, 9) }, NEUTRAL_CONTROLS, {
      signal: controller.signal,
      onStatus: (s) => s.phase === 'stylize' && controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(AbortError);
    const out = await e.stylize(image(32, 1), { key: 'other', image: async () => image(32, 9) }, NEUTRAL_CONTROLS, {
      signal: new AbortController().signal,
    });
    expect(out.width).toBe(32);
  });

  it.skipIf(!hasModel)(
    'a run cancelled while the model loads leaves the load going for the next run, which sees its progress',
    async () => {
      const reads = { count: 0 };
      let openGate: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      const slow = source('model-image', reads);
      const e = engineOn({
        source: {
          ...slow,
          key: 'test:slow',
          readFile: async (p) => (p === 'model.json' ? slow.readFile(p) : gate.then(() => slow.readFile(p))),
        },
      });
      const style = { key: 's', image: async () => image(32, 2) };
      try {
        const controller = new AbortController();
        const first = e.stylize(image(32, 1), style, NEUTRAL_CONTROLS, { signal: controller.signal });
        await new Promise((r) => setTimeout(r, 20));
        controller.abort();
        await expect(first).rejects.toBeInstanceOf(AbortError);

        const fractions: number[] = [];
        const second = e.stylize(image(32, 1), style, NEUTRAL_CONTROLS, {
          signal: new AbortController().signal,
          onStatus: (s) => s.phase === 'load-model' && fractions.push(s.fraction),
        });
        openGate();
        expect((await second).width).toBe(32);
        expect(fractions).toEqual([0.25, 0.5, 0.75, 1]);
        expect(reads.count).toBe(1);
      } finally {
        e.dispose();
      }
    },
  );

  it.skipIf(!hasModel)('dispose frees the model and the cached style', async () => {
    const b = await wasm();
    engine!.dispose();
    await new Promise((r) => setTimeout(r, 0));
    expect(b.memory().tensors).toBe(0);
    engine = undefined;
  });

  it('downloads first through the source, shows the megabytes, and tries again after a cancelled download', async () => {
    const calls: AbortSignal[] = [];
    const downloading: ModelSource = {
      key: 'test:download',
      description: 'the test download',
      readFile: async () => {
        throw new Error('not reached');
      },
      prepare: async ({ signal, onProgress }) => {
        calls.push(signal as AbortSignal);
        onProgress?.({ doneBytes: 26_500_000, totalBytes: 53_000_000 });
        if (calls.length === 1) throw new AbortError(); // the user cancelled the download
        throw new Error('offline');
      },
    };
    const e = engineOn({ source: downloading });
    const statuses: { phase: EnginePhase; detail?: string }[] = [];
    const run = { signal: new AbortController().signal, onStatus: (s: { phase: EnginePhase; detail?: string }) => statuses.push(s) };
    await expect(e.stylize(image(32, 1), { key: 's', image: async () => image(32, 2) }, NEUTRAL_CONTROLS, run)).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(statuses[0]).toMatchObject({ phase: 'download-model', fraction: 0.5, detail: '26.5 of 53.0 MB' });
    expect(calls[0]).toBe(run.signal); // the run's Cancel reaches the download
    // Not remembered as loaded: the next run downloads (resumes) again.
    await expect(e.stylize(image(32, 1), { key: 's', image: async () => image(32, 2) }, NEUTRAL_CONTROLS, run)).rejects.toThrow('offline');
    expect(calls).toHaveLength(2);
  });
});

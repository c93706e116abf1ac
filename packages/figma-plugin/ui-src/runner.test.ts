import type { PixelImage } from '@adaattn/core';
import { describe, expect, it } from 'vitest';
import type { FrameJob } from '../common/protocol.js';
import { runFrames, type FrameRunDeps, type FrameState } from './runner.js';

const frames: FrameJob[] = ['A', 'B', 'C'].map((name, i) => ({ id: `1:${i}`, name, png: new Uint8Array([i]), width: 2, height: 2 }));

function image(tag: number): PixelImage {
  return { width: 2, height: 2, channels: 4, data: new Uint8Array(16).fill(tag) };
}

function deps(overrides: Partial<FrameRunDeps> = {}): FrameRunDeps {
  return {
    decode: async (png) => image(png[0] as number),
    encode: async (img) => new Uint8Array([100 + (img.data[0] as number)]),
    stylize: async (content, _signal, onProgress) => {
      onProgress({ stage: 'decode', fraction: 0.5 });
      return image((content.data[0] as number) + 10);
    },
    ...overrides,
  };
}

function recorder() {
  const results: [string, number[]][] = [];
  const states: [number, FrameState][] = [];
  const progress: [number, number][] = [];
  return {
    results,
    states,
    progress,
    events: {
      onResult: (frame: FrameJob, png: Uint8Array) => results.push([frame.name, [...png]]),
      onFrameState: (i: number, s: FrameState) => states.push([i, s]),
      onFrameProgress: (i: number, f: number) => progress.push([i, f]),
    },
  };
}

describe('runFrames', () => {
  it('stylizes every frame in order and hands back each PNG as it finishes', async () => {
    const r = recorder();
    const summary = await runFrames(frames, deps(), new AbortController().signal, r.events);
    expect(summary).toEqual({ outcome: 'done', done: 3, failures: [] });
    expect(r.results).toEqual([
      ['A', [110]],
      ['B', [111]],
      ['C', [112]],
    ]);
    expect(r.progress.filter(([i]) => i === 1)).toEqual([
      [1, 0.5],
      [1, 1],
    ]);
    expect(r.states.filter(([, s]) => s === 'done').map(([i]) => i)).toEqual([0, 1, 2]);
  });

  it('stops when cancelled mid-frame, keeps what was done, and marks the rest cancelled', async () => {
    const controller = new AbortController();
    const r = recorder();
    const summary = await runFrames(
      frames,
      deps({
        stylize: async (content, signal) => {
          if (content.data[0] === 1) {
            controller.abort();
            signal.throwIfAborted();
          }
          return image(0);
        },
      }),
      controller.signal,
      r.events,
    );
    expect(summary).toEqual({ outcome: 'cancelled', done: 1, failures: [] });
    expect(r.results.map(([n]) => n)).toEqual(['A']);
    expect(r.states.slice(-2)).toEqual([
      [1, 'cancelled'],
      [2, 'cancelled'],
    ]);
  });

  it('does not hand back a frame whose encoding finished after the cancel', async () => {
    const controller = new AbortController();
    const r = recorder();
    const summary = await runFrames(
      frames.slice(0, 1),
      deps({ encode: async () => (controller.abort(), new Uint8Array([1])) }),
      controller.signal,
      r.events,
    );
    expect(summary.outcome).toBe('cancelled');
    expect(r.results).toEqual([]);
  });

  it('records a failing frame and goes on with the others', async () => {
    const r = recorder();
    const summary = await runFrames(
      frames,
      deps({ decode: async (png) => (png[0] === 1 ? Promise.reject(new Error('bad PNG')) : image(png[0] as number)) }),
      new AbortController().signal,
      r.events,
    );
    expect(summary).toEqual({ outcome: 'done', done: 2, failures: [{ name: 'B', message: 'bad PNG' }] });
    expect(r.states).toContainEqual([1, 'failed']);
  });

  it('reports a failed run when every frame fails', async () => {
    const summary = await runFrames(
      frames,
      deps({ stylize: async () => Promise.reject(new Error('WebGL context lost')) }),
      new AbortController().signal,
      recorder().events,
    );
    expect(summary.outcome).toBe('failed');
    expect(summary.message).toBe('WebGL context lost');
    expect(summary.failures).toHaveLength(3);
  });

  it('does nothing when cancelled before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = recorder();
    expect(await runFrames(frames, deps(), controller.signal, r.events)).toEqual({ outcome: 'cancelled', done: 0, failures: [] });
    expect(r.results).toEqual([]);
  });
});

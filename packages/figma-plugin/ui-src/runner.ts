/**
 * One run over the exported frames: decode, stylize, encode, hand back, one frame at a time (the model
 * already uses the whole GPU or CPU; frames in parallel would only multiply memory). Stops at the next model
 * step when the signal fires. The model and codecs come in as functions, so this is tested without them.
 */
import type { PixelImage, StylizeProgress } from '@adaattn/core';
import type { FrameJob, RunOutcome } from '../common/protocol.js';

export interface FrameRunDeps {
  decode(png: Uint8Array): Promise<PixelImage>;
  encode(image: PixelImage): Promise<Uint8Array>;
  stylize(content: PixelImage, signal: AbortSignal, onProgress: (p: StylizeProgress) => void): Promise<PixelImage>;
}

export type FrameState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface FrameEvents {
  onFrameState?(index: number, state: FrameState, detail?: string): void;
  /** Fraction of this frame done, in [0, 1]. */
  onFrameProgress?(index: number, fraction: number): void;
  /** A finished frame's PNG; the caller posts it to the main thread at once. */
  onResult(frame: FrameJob, png: Uint8Array, width: number, height: number): void;
}

export interface RunSummary {
  readonly outcome: RunOutcome;
  readonly done: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
  readonly message?: string;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runFrames(
  frames: readonly FrameJob[],
  deps: FrameRunDeps,
  signal: AbortSignal,
  events: FrameEvents,
): Promise<RunSummary> {
  const failures: { name: string; message: string }[] = [];
  let done = 0;
  frames.forEach((_, i) => events.onFrameState?.(i, 'queued'));
  for (const [index, frame] of frames.entries()) {
    if (signal.aborted) {
      for (let i = index; i < frames.length; i++) events.onFrameState?.(i, 'cancelled');
      return { outcome: 'cancelled', done, failures };
    }
    events.onFrameState?.(index, 'running');
    try {
      const content = await deps.decode(frame.png);
      const output = await deps.stylize(content, signal, (p) => events.onFrameProgress?.(index, p.fraction));
      const png = await deps.encode(output);
      signal.throwIfAborted(); // cancelled while encoding: the user no longer wants it placed
      events.onResult(frame, png, output.width, output.height);
      events.onFrameProgress?.(index, 1);
      events.onFrameState?.(index, 'done');
      done++;
    } catch (error) {
      if (signal.aborted) {
        for (let i = index; i < frames.length; i++) events.onFrameState?.(i, 'cancelled');
        return { outcome: 'cancelled', done, failures };
      }
      failures.push({ name: frame.name, message: messageOf(error) });
      events.onFrameState?.(index, 'failed', messageOf(error));
    }
  }
  if (done === 0 && failures.length > 0) {
    return { outcome: 'failed', done, failures, message: failures[0]?.message ?? 'every frame failed' };
  }
  return { outcome: 'done', done, failures };
}

/**
 * A program that exits while ONNX Runtime's worker thread is inside a run (a server shutting down, a
 * script's own Ctrl-C handler): onnxruntime-node 1.30 aborts the process (exit 134) when a run returns into
 * a thread Node has stopped, so core's node-thread.ts makes the exit wait for the run in flight.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const SCRIPT = `
import { Stylizer } from '@adaattn/core';
import { createOnnxNodeBackend } from '@adaattn/core/backends/onnx/node';
import { randomImageWeights, testPixels } from '@adaattn/core/testing';
const stylizer = Stylizer.create(await createOnnxNodeBackend({ threads: 1, pieceFlops: Infinity }), randomImageWeights(1));
const big = testPixels(384, 384, 3, 1);
void stylizer.stylize(big, big, { onProgress: (p) => p.fraction === 0 || console.log('progress') });
setTimeout(() => { console.log('exiting'); process.exit(7); }, Number(process.env.EXIT_AFTER_MS));
`;

describe('process.exit while ONNX Runtime computes', () => {
  // 300 ms: while the worker makes the session; 1500 ms: inside the run (a 384² graph takes seconds).
  it.each([300, 1500])(
    'exits with the code the program chose, not a crash (exit after %i ms)',
    async (ms) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
        cwd: import.meta.dirname,
        stdio: 'pipe',
        env: { ...process.env, EXIT_AFTER_MS: String(ms) },
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      expect({ code, signal }, output).toEqual({ code: 7, signal: null });
      expect(output).toContain('exiting');
      expect(output).not.toContain('terminate called');
    },
    60_000,
  );
});

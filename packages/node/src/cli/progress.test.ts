import { describe, expect, it } from 'vitest';
import { estimateLeft, progressLine } from './progress.js';

describe('stylize progress line', () => {
  it('estimates the time left from the pace so far, once there is enough to go on', () => {
    expect(estimateLeft(1, 0.5)).toBeUndefined(); // too early
    expect(estimateLeft(10, 0.01)).toBeUndefined(); // too little done
    expect(estimateLeft(10, 0.25)).toBeCloseTo(30);
    expect(estimateLeft(10, 1)).toBeUndefined();
  });

  it('draws percent, stage and time left on a terminal, and nothing in a log', () => {
    let text = '';
    let now = 0;
    const line = progressLine({ write: (s: string) => (text += s), isTTY: true }, 'adaattn: ', () => now);
    line.update({ stage: 'encode-content', fraction: 0.1 });
    now = 20_000;
    line.update({ stage: 'attention', fraction: 0.4 });
    expect(text).toBe('\r\x1b[2Kadaattn:  10% encoding content\r\x1b[2Kadaattn:  40% attention, about 30 s left');
    let log = '';
    progressLine({ write: (s: string) => (log += s), isTTY: false }, 'adaattn: ').update({ stage: 'decode', fraction: 0.5 });
    expect(log).toBe('');
  });
});

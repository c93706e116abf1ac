/**
 * Progress on stderr: redrawn in place on a terminal, silent otherwise (a log file full of carriage
 * returns helps nobody); the caller prints start and finish lines in both cases.
 */
import type { StylizeProgress } from '../api/options.js';
import type { TextSink } from './context.js';

/** Words for core's stage names. */
const STAGE_WORDS: Readonly<Record<string, string>> = {
  'encode-style': 'encoding style',
  'encode-content': 'encoding content',
  attention: 'attention',
  decode: 'decoding',
};

export interface ProgressLine {
  update(progress: StylizeProgress): void;
  /** Erases the line so the next message starts clean. */
  clear(): void;
}

export function progressLine(stderr: TextSink, prefix: string): ProgressLine {
  if (!stderr.isTTY) return { update() {}, clear() {} };
  let last = '';
  let drawn = false;
  return {
    update({ stage, fraction }) {
      const percent = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      const text = `${prefix}${String(percent).padStart(3)}% ${STAGE_WORDS[stage] ?? stage}`;
      if (text === last) return; // redraw only on change: onProgress may fire per attention chunk
      last = text;
      drawn = true;
      stderr.write(`\r\x1b[2K${text}`);
    },
    clear() {
      if (drawn) stderr.write('\r\x1b[2K');
      drawn = false;
      last = '';
    },
  };
}

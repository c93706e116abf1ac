/**
 * Progress on stderr: redrawn in place on a terminal, silent otherwise (a log file full of carriage
 * returns helps nobody); the caller prints start and finish lines in both cases.
 */
import type { StylizeProgress } from '../api/options.js';
import type { VideoProgress } from '../api/stylize-video.js';
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

/**
 * Time left from the pace so far, once there is enough to go on (2 s and 5 % done): on ONNX Runtime the
 * fraction is the share of the work completed (core runs it in pieces), so the pace is real.
 */
export function estimateLeft(elapsedSeconds: number, fraction: number): number | undefined {
  if (elapsedSeconds < 2 || fraction < 0.05 || fraction >= 1) return undefined;
  return (elapsedSeconds * (1 - fraction)) / fraction;
}

export function progressLine(stderr: TextSink, prefix: string, now: () => number = Date.now): ProgressLine {
  if (!stderr.isTTY) return { update() {}, clear() {} };
  let last = '';
  let drawn = false;
  const started = now();
  return {
    update({ stage, fraction }) {
      const percent = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      const left = estimateLeft((now() - started) / 1000, fraction);
      const eta = left === undefined ? '' : `, about ${formatDuration(left)} left`;
      const text = `${prefix}${String(percent).padStart(3)}% ${STAGE_WORDS[stage] ?? stage}${eta}`;
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

/** "2 min 05 s", "45 s", "1 h 02 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

export interface FrameProgressLine {
  update(progress: VideoProgress): void;
  clear(): void;
}

/**
 * Frames done, pace and time left. On a terminal the line is redrawn in place after every frame; in a log
 * a line is printed at every tenth of the job (every 10 frames when the total is unknown).
 */
export function frameProgress(stderr: TextSink, prefix: string): FrameProgressLine {
  let drawn = false;
  let lastStep = 0;
  const describe = ({ frame, total, elapsedSeconds, etaSeconds }: VideoProgress) => {
    const count = total === undefined ? `frame ${frame}` : `frame ${frame}/${total} (${Math.floor((100 * frame) / total)}%)`;
    const eta = etaSeconds === undefined ? '' : `, ETA ${formatDuration(etaSeconds)}`;
    return `${prefix}${count}, ${(elapsedSeconds / frame).toFixed(2)} s a frame${eta}`;
  };
  return {
    update(p) {
      if (stderr.isTTY) {
        stderr.write(`\r\x1b[2K${describe(p)}`);
        drawn = true;
        return;
      }
      const step = p.total === undefined ? Math.floor(p.frame / 10) : Math.floor((10 * p.frame) / p.total);
      if (step > lastStep && (p.total === undefined || p.frame < p.total)) stderr.write(`${describe(p)}\n`);
      lastStep = Math.max(lastStep, step);
    },
    clear() {
      if (drawn) stderr.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

/**
 * Building blocks for the SDK's own sibling packages (@adaattn/queue), exported as `@adaattn/node/internal`
 * so that they reuse the CLI's parsing, atomic writes and video paths instead of copying them. Not a public
 * API: names here may change with any release of the SDK.
 */
export { isSameFile, assertFileWritable, writeFileAtomic, removePendingTemporariesSync } from './io/atomic-write.js';
export { ffmpegPaths, requireFfmpeg, type FfmpegTools } from './io/ffmpeg.js';
export { checkFramesOutput, openFrames, outputKind, writeFrames, type FrameSource } from './io/frames.js';
export { inspectModelDir } from './io/model-dir.js';
export { prepareVideoStyles, stylizeFrames, type FrameRange, type VideoStyles } from './api/stylize-video.js';
export {
  choice,
  decimal,
  integer,
  optional,
  parseOptions,
  repeated,
  required,
  wantsHelp,
  type OptionSpec,
  type Parsed,
} from './cli/args.js';
export type { CliContext, TextSink } from './cli/context.js';
export { CONTROL_OPTIONS, describeControls, parseControls, splitList } from './cli/controls.js';
export { EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, isAbortError, oneLine } from './cli/errors.js';
export { formatDuration, frameProgress } from './cli/progress.js';
export { engineText, parseRunOptions, RUN_OPTIONS, type RunOptions } from './cli/run-options.js';

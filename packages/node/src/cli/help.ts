/** Help pages. Defaults and choices are read from the code that applies them, so the text cannot drift. */
import { BACKENDS, BACKEND_CHOICES, AUTO_ORDER } from '../api/backends.js';
import { DEFAULT_SIZE, DEFAULT_ATTENTION } from '../api/options.js';
import { DEFAULT_FPS } from '../api/stylize-video.js';
import { FRAME_EXTENSIONS } from '../io/frames.js';
import { VIDEO_OUTPUTS } from '../io/ffmpeg.js';
import { DEFAULT_MAX_PIXELS } from '../io/image.js';
import { MODEL_ENV, MODEL_PACKAGES, OFFICIAL_FILES, defaultModelDir } from '../io/model-dir.js';

const [f1, f2, f3, f4] = Object.values(OFFICIAL_FILES);
const officialList = `${f1}, ${f2},\n                          ${f3}, ${f4}`;

export function programHelp(): string {
  return `adaattn — AdaAttN arbitrary style transfer (Liu et al., ICCV 2021)

Usage:
  adaattn stylize --content <file> --style <file>[,<file>…] --output <file> [options]
  adaattn video --input <video|dir> --style <file> --output <video|dir> [options]
  adaattn convert --from <dir> --output <dir> [options]
  adaattn worker --queue redis://host:port [options]            (with @adaattn/queue)
  adaattn batch --queue redis://host:port --input <dir|files> --style <file> --output <dir> [options]
  adaattn video --queue redis://host:port --input <video> --style <file> --output <video> [options]
  adaattn <command> --help
  adaattn --help | --version

Commands:
  stylize   render a content image in the style of one or more style images
  video     stylize every frame of a video or a directory of frames (the video model by default)
  convert   turn the authors' released .pth files into a model directory (model.json + safetensors)
  worker    take stylize jobs from a Redis queue (npm install @adaattn/queue; see its README)
  batch     queue one job per image for the workers and wait for every output

Exit status: 0 success, 1 failure (bad input file, model or IO error), 2 wrong command line, 130 interrupted.
Set ADAATTN_DEBUG=1 to print stack traces.
`;
}

export function stylizeHelp(): string {
  const backends = Object.entries(BACKENDS)
    .map(([name, b]) => `                            ${name.padEnd(11)} ${b.description}`)
    .join('\n');
  return `Usage: adaattn stylize --content <file> --style <file>[,<file>…] --output <file> [options]

Render the content image in the style of the style image. Inputs may be JPEG, PNG, WebP, AVIF, TIFF or GIF
(first frame); SVG is refused (rendering it can read files beside it: convert it to PNG first). EXIF
orientation is applied, greyscale is expanded, transparency is composited over white. The output format follows the extension of --output.

Required:
  -c, --content <file>    the image whose layout is kept
  -s, --style <files>     the image whose style is applied; several, comma-separated, are interpolated
                          (--weights) or pooled (--mix concat)
  -o, --output <file>     where to write the result: .png, .jpg, .jpeg or .webp; written atomically
                          (a temporary file renamed into place), never one of the inputs

Options:
  -m, --model <dir>       model directory: model.json + safetensors files, or a directory holding the
                          authors' four files ${officialList}
                          (default: ${defaultModelText('image')})
      --size <px>         resize both images so the longer side is <px> before stylizing; 0 keeps the
                          input sizes (default: ${DEFAULT_SIZE}); the output has the content's size
      --backend <name>    ${BACKEND_CHOICES.join(' | ')} (default: auto, the first of ${AUTO_ORDER.join(', ')} that starts)
${backends}
      --threads <n>       CPU threads for the onnx and tensorflow backends (wasm and cpu run on one
                          thread in Node; default: the runtime's choice, one per physical core)
      --precision <p>     float32 | int8 (default: float32). int8 runs the convolutions in 8-bit
                          integers on the onnx backend: faster on CPUs with VNNI or AMX, not exact
                          (docs/BENCHMARKS.md says by how much); the model must carry int8 ranges
      --attention <mode>  sampled | exact (default: ${DEFAULT_ATTENTION})
                          sampled: a seeded random sample of at most the model's cap of style positions,
                          as the authors do; exact: every style position (slower, ~4x at 512 px)
      --seed <n>          seed for the sampled attention, 0..4294967295 (default: the model's, 6666)
      --quality <1-100>   JPEG/WebP quality (default: 92 for JPEG, 90 for WebP; PNG is lossless)
      --max-pixels <n>    refuse inputs larger than <n> pixels, e.g. 100000000 or 100M, against
                          decompression bombs (default: ${DEFAULT_MAX_PIXELS / 1e6}M)
${controlsHelp()}
  -h, --help              show this help

Examples:
  adaattn stylize -c photo.jpg -s starry-night.jpg -o out.png --size 768
  adaattn stylize -c photo.jpg -s a.jpg,b.jpg --weights 0.7,0.3 -o mix.png
  adaattn stylize -c photo.jpg -s a.jpg --strength 0.6 --preserve-color luminance -o soft.png
  adaattn stylize -c photo.jpg -s a.jpg -o regions.png \\
      --content-mask sky.png --style-mask top.png --content-mask ground.png --style-mask bottom.png
`;
}

/** The creative controls, shared by stylize and video (docs/CONTROLS.md shows each). */
function controlsHelp(): string {
  return `
Creative controls:
      --weights <w,w,…>   one weight per --style file, each ≥ 0, not all 0; divided by their sum
                          (default: equal). Per level, mean and std maps are mixed: M = Σ wᵢMᵢ, S = Σ wᵢSᵢ
      --mix <mode>        interpolate | concat (default: interpolate); concat pools all style images into
                          one set of attention positions (the sampling cap applies to the pool)
      --content-mask <f>  a region of the content (white = inside, transparent = outside; any size)
      --style-mask <f>    the style region the previous --content-mask draws from; repeat the pair for
                          more regions. '@k' is all of style k (with --mix concat), '@k:<f>' a region of it.
                          Content in several regions draws from the union of their style regions;
                          content in none draws from the whole style
      --strength <a>      0..1: 1 the full style (default), 0 the content back (its feature statistics and
                          colour means; with the model's strength endpoint, the photo)
      --preserve-color <mode>
                          luminance | histogram: keep the content's colours, by transferring only the
                          luminance (content chroma, YIQ), or by matching the style's colour mean and
                          covariance to the content's before stylizing`;
}

export function videoHelp(): string {
  return `Usage: adaattn video --input <video|dir> --style <file>[,<file>…] --output <video|dir> [options]

Stylize every frame of a video, or of a directory of frames, with one style encoded once. Frames are
stylized independently (no optical flow); the video model (cosine attention) keeps consecutive frames far
steadier than the image model (docs/CONTROLS.md). Video files are read and written with ffmpeg, which must
be installed (Debian/Ubuntu: apt-get install ffmpeg; or set ADAATTN_FFMPEG); directories of frames need no
ffmpeg. Progress and the time left are shown on stderr; Ctrl-C stops the job and leaves no output.
With --queue redis://host:port (and @adaattn/queue installed) the frames are split over the queue's workers;
\`adaattn video --queue x --help\` has the details.

Required:
  -i, --input <path>      a video file, or a directory of frames in natural order (frame2 before frame10):
                          ${FRAME_EXTENSIONS.join(', ')}
  -s, --style <files>     the style image (several: see --weights and --mix)
  -o, --output <path>     a video file (${Object.keys(VIDEO_OUTPUTS).join(', ')}), or a directory for PNG frames;
                          written atomically (a temporary file or directory renamed into place)

Options:
  -m, --model <dir>       model directory (default: ${defaultModelText('video')})
      --image-model       use the image model (${defaultModelText('image')}) instead
      --size <px>         longer side of the frames in pixels; 0 keeps their size (default: ${DEFAULT_SIZE})
      --fps <n>           frame rate of a video output (default: the input video's, ${DEFAULT_FPS} for a directory)
      --backend <name>    ${BACKEND_CHOICES.join(' | ')} (default: auto)
      --threads <n>       CPU threads for the onnx and tensorflow backends
      --precision <p>     float32 | int8 (int8: faster on the onnx backend, not exact; default: float32)
      --attention <mode>  sampled | exact (default: ${DEFAULT_ATTENTION})
      --seed <n>          seed for the sampled attention
      --force             replace a non-empty output directory
      --max-pixels <n>    refuse frames larger than <n> pixels (default: ${DEFAULT_MAX_PIXELS / 1e6}M)
${controlsHelp()}
                          (for video, --preserve-color histogram matches the style to the first frame)
  -h, --help              show this help

Examples:
  adaattn video -i clip.mp4 -s wave.jpg -o clip-wave.mp4 --size 384
  adaattn video -i frames/ -s wave.jpg -o stylized/ --image-model
`;
}

export function convertHelp(): string {
  return `Usage: adaattn convert --from <dir> --output <dir> [options]

Convert the authors' released checkpoint files into a model directory (model.json + one safetensors file
per component, sha256 recorded), which loads faster and can be stored as float16.

Required:
  --from <dir>            directory holding the four files ${officialList}
                          (in the authors' release vgg_normalised.pth is in models/, the others in
                          checkpoints/AdaAttN/: copy them into one directory)
  -o, --output <dir>      the model directory to create; written atomically (built beside it, then renamed)

Options:
  --dtype <type>          float16 | float32: storage type of the weights (default: float16, half the size)
  --force                 replace --output if it exists and is not empty
  -h, --help              show this help
`;
}

/** Where the default model comes from, and where it is now (help must print even when none is installed). */
function defaultModelText(variant: 'image' | 'video'): string {
  let now: string;
  try {
    now = defaultModelDir(variant);
  } catch {
    now = 'not installed';
  }
  return `$${MODEL_ENV[variant]}, else the installed ${MODEL_PACKAGES[variant]}: ${now}`;
}

/** Help pages. Defaults and choices are read from the code that applies them, so the text cannot drift. */
import { BACKENDS, BACKEND_CHOICES, AUTO_ORDER } from '../api/backends.js';
import { DEFAULT_SIZE, DEFAULT_ATTENTION } from '../api/options.js';
import { DEFAULT_MAX_PIXELS } from '../io/image.js';
import { OFFICIAL_FILES, defaultModelDir } from '../io/model-dir.js';

const [f1, f2, f3, f4] = Object.values(OFFICIAL_FILES);
const officialList = `${f1}, ${f2},\n                          ${f3}, ${f4}`;

export function programHelp(): string {
  return `adaattn — AdaAttN arbitrary style transfer (Liu et al., ICCV 2021)

Usage:
  adaattn stylize --content <file> --style <file> --output <file> [options]
  adaattn convert --from <dir> --output <dir> [options]
  adaattn <command> --help
  adaattn --help | --version

Commands:
  stylize   render a content image in the style of a style image
  convert   turn the authors' released .pth files into a model directory (model.json + safetensors)

Exit status: 0 success, 1 failure (bad input file, model or IO error), 2 wrong command line, 130 interrupted.
Set ADAATTN_DEBUG=1 to print stack traces.
`;
}

export function stylizeHelp(): string {
  const backends = Object.entries(BACKENDS)
    .map(([name, b]) => `                            ${name.padEnd(11)} ${b.description}`)
    .join('\n');
  return `Usage: adaattn stylize --content <file> --style <file> --output <file> [options]

Render the content image in the style of the style image. Inputs may be JPEG, PNG, WebP, AVIF, TIFF, GIF
(first frame) or SVG; EXIF orientation is applied, greyscale is expanded, transparency is composited over
white. The output format follows the extension of --output.

Required:
  -c, --content <file>    the image whose layout is kept
  -s, --style <file>      the image whose style is applied
  -o, --output <file>     where to write the result: .png, .jpg, .jpeg or .webp; written atomically
                          (a temporary file renamed into place), never one of the inputs

Options:
  -m, --model <dir>       model directory: model.json + safetensors files, or a directory holding the
                          authors' four files ${officialList}
                          (default: ${defaultModelDir()})
      --size <px>         resize both images so the longer side is <px> before stylizing; 0 keeps the
                          input sizes (default: ${DEFAULT_SIZE}); the output has the content's size
      --backend <name>    ${BACKEND_CHOICES.join(' | ')} (default: auto, the first of ${AUTO_ORDER.join(', ')} that starts)
${backends}
      --threads <n>       CPU threads for the onnx and tensorflow backends (wasm and cpu run on one
                          thread in Node; default: the runtime's choice, one per physical core)
      --attention <mode>  sampled | exact (default: ${DEFAULT_ATTENTION})
                          sampled: a seeded random sample of at most the model's cap of style positions,
                          as the authors do; exact: every style position (slower, ~4x at 512 px)
      --seed <n>          seed for the sampled attention, 0..4294967295 (default: the model's, 6666)
      --quality <1-100>   JPEG/WebP quality (default: 92 for JPEG, 90 for WebP; PNG is lossless)
      --max-pixels <n>    refuse inputs larger than <n> pixels, e.g. 100000000 or 100M, against
                          decompression bombs (default: ${DEFAULT_MAX_PIXELS / 1e6}M)
  -h, --help              show this help

Example:
  adaattn stylize -c photo.jpg -s starry-night.jpg -o out.png --size 768
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

// The image model's floating-point operations by formula (a multiply-add counts 2), so that the benchmark can
// state GFLOP/s for every runtime alike. Convolutions, 1×1 projections and the attention products only:
// elementwise work (ReLU, padding, softmax, mvn) is a few percent and not counted.
//
// The counted work is the model's, done once: style projections at the attended (sampled) positions only,
// as the SDK does; the official code projects every style position first, a little more work.

const ENCODER = [
  // [in, out] per 3×3 conv; 'pool' halves (ceil) both sides; 'tap' marks relu1_1 … relu5_1.
  [3, 64, 'tap'],
  [64, 64],
  'pool',
  [64, 128, 'tap'],
  [128, 128],
  'pool',
  [128, 256, 'tap'],
  [256, 256],
  [256, 256],
  [256, 256],
  'pool',
  [256, 512, 'tap'],
  [512, 512],
  [512, 512],
  [512, 512],
  'pool',
  [512, 512, 'tap'],
];
const KEY_CHANNELS = [448, 960, 1472];
const VALUE_CHANNELS = [256, 512, 512];
const MAX_SAMPLE = [4096, 65536, 65536];

const conv3 = (cin, cout, h, w) => 2 * cin * cout * 9 * h * w;

/** FLOPs of the encoder on an h × w image, and the positions at each tap. */
export function encoderFlops(h, w) {
  let flops = 2 * 3 * 3 * h * w; // layer 0, the 1×1 colour conv
  const taps = [];
  for (const layer of ENCODER) {
    if (layer === 'pool') {
      h = Math.ceil(h / 2);
      w = Math.ceil(w / 2);
      continue;
    }
    flops += conv3(layer[0], layer[1], h, w);
    if (layer[2] === 'tap') taps.push([h, w]);
  }
  return { flops, taps };
}

function decoderFlops(h, w) {
  // From relu4_1 (h/8): conv 512→256, up2, [512→256, 256→256 ×2, 256→128], up2, [128→128, 128→64], up2, [64→64, 64→3].
  let [y, x] = [h / 8, w / 8];
  let flops = conv3(512, 256, y, x);
  [y, x] = [y * 2, x * 2];
  for (const [a, b] of [
    [512, 256],
    [256, 256],
    [256, 256],
    [256, 128],
  ])
    flops += conv3(a, b, y, x);
  [y, x] = [y * 2, x * 2];
  for (const [a, b] of [
    [128, 128],
    [128, 64],
  ])
    flops += conv3(a, b, y, x);
  [y, x] = [y * 2, x * 2];
  for (const [a, b] of [
    [64, 64],
    [64, 3],
  ])
    flops += conv3(a, b, y, x);
  return flops;
}

/**
 * { style, content, total } FLOPs for one stylize of a content (multiple of 16 on each side) with a style,
 * sampled attention. `style` is what a cached style saves.
 */
export function modelFlops(contentH, contentW, styleH, styleW) {
  const c = encoderFlops(contentH, contentW);
  const s = encoderFlops(styleH, styleW);
  let style = s.flops;
  let content = c.flops + decoderFlops(contentH, contentW) + conv3(512, 512, contentH / 8, contentW / 8); // + merge conv
  for (let i = 0; i < 3; i++) {
    const [ch, cw] = c.taps[i + 2];
    const [sh, sw] = s.taps[i + 2];
    const nc = ch * cw;
    const ns = Math.min(sh * sw, MAX_SAMPLE[i]);
    const [ck, cv] = [KEY_CHANNELS[i], VALUE_CHANNELS[i]];
    style += 2 * ns * (ck * ck + cv * cv); // g and h projections
    content += 2 * nc * ck * ck; // f projection
    content += 2 * nc * ns * ck + 2 * nc * ns * 2 * cv; // Q·K, then A·V and A·V²
  }
  return { style, content, total: style + content };
}

/**
 * The one table of both networks (docs/MODEL.md): every conv layer with its checkpoint key and OIHW shape,
 * the encoder taps, the attention levels with their key and value widths, the sampling caps and the size
 * rules. The model code walks these tables; the weight validator derives the expected keys and shapes from
 * them; model.json's defaults come from them. Nothing here imports anything: it is the bottom layer of core.
 */

/** The released image model, or the authors' per-frame video model (inference_frame.py). */
export type ModelVariant = 'image' | 'video';

/** A model's weight files, one per component; the video model has no `transformer`. */
export type ComponentName = 'encoder' | 'transformer' | 'adaattn3' | 'decoder';

/** A conv layer by its checkpoint key prefix: `<key>.weight` (OIHW, this `shape`) and `<key>.bias` ([out]). */
export interface LayerSpec {
  readonly key: string;
  readonly shape: readonly [out: number, inChannels: number, kh: number, kw: number];
}

export type Level = 'relu1_1' | 'relu2_1' | 'relu3_1' | 'relu4_1' | 'relu5_1';
export const LEVELS: readonly Level[] = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
/** Index of each level in LEVELS (and in an encoder's list of taps). */
export const LEVEL_INDEX: Readonly<Record<Level, number>> = { relu1_1: 0, relu2_1: 1, relu3_1: 2, relu4_1: 3, relu5_1: 4 };
export type AttentionLevel = 'relu3_1' | 'relu4_1' | 'relu5_1';
export const ATTENTION_LEVELS: readonly AttentionLevel[] = ['relu3_1', 'relu4_1', 'relu5_1'];

/** Channels of each encoder tap. */
export const FEATURE_CHANNELS: Readonly<Record<Level, number>> = { relu1_1: 64, relu2_1: 128, relu3_1: 256, relu4_1: 512, relu5_1: 512 };

/** Width of each level's attention key: the concatenation of every tap up to and including it (448/960/1472). */
export const KEY_CHANNELS: Readonly<Record<AttentionLevel, number>> = {
  relu3_1: keyWidth('relu3_1'),
  relu4_1: keyWidth('relu4_1'),
  relu5_1: keyWidth('relu5_1'),
};

function keyWidth(level: AttentionLevel): number {
  return LEVELS.slice(0, LEVEL_INDEX[level] + 1).reduce((sum, l) => sum + FEATURE_CHANNELS[l], 0);
}

/**
 * Encoder steps after the 1×1 colour conv `0` (no padding, no ReLU): each 3×3 conv is reflection-padded
 * by 1 and followed by ReLU; `pool` = 2×2/2 ceil-mode max-pool before it; `tap` = the feature it ends.
 */
export interface EncoderStep extends LayerSpec {
  readonly pool: boolean;
  readonly tap?: Level;
}

/** The 1×1 colour conv (3 → 3) that maps RGB in [0,1] to what VGG expects. */
export const ENCODER_INPUT: LayerSpec = { key: '0', shape: [3, 3, 1, 1] };

/** vgg_normalised Sequential indices and output widths; each conv's input width is the previous one's output. */
const VGG: ReadonlyArray<readonly [key: number, out: number, pool?: boolean, tap?: Level]> = [
  [2, 64, false, 'relu1_1'],
  [5, 64],
  [9, 128, true, 'relu2_1'],
  [12, 128],
  [16, 256, true, 'relu3_1'],
  [19, 256],
  [22, 256],
  [25, 256],
  [29, 512, true, 'relu4_1'],
  [32, 512],
  [35, 512],
  [38, 512],
  [42, 512, true, 'relu5_1'],
];

/** The encoder to relu5_1; taps end relu1_1 = [0:4], relu2_1 = [4:11], … relu5_1 = [31:44]. */
export const ENCODER_STEPS: readonly EncoderStep[] = VGG.map(([key, out, pool = false, tap], i) => ({
  key: String(key),
  shape: [out, i === 0 ? ENCODER_INPUT.shape[0] : VGG[i - 1]![1], 3, 3],
  pool,
  ...(tap === undefined ? {} : { tap }),
}));

/** Official default caps on sampled style positions (networks.py: 64·64 for adaattn_3, 256·256 in the transformer). */
export const MAX_SAMPLE: Readonly<Record<AttentionLevel, number>> = { relu3_1: 4096, relu4_1: 65536, relu5_1: 65536 };
/** The video model caps relu3_1 at the transformer's 256·256 (inference_frame.py builds it with that default). */
export const VIDEO_MAX_SAMPLE: Readonly<Partial<Record<AttentionLevel, number>>> = { relu3_1: 65536 };
export const DEFAULT_SEED = 6666;

/** Prefix of each AdaAttN module's f, g, h inside its component. */
export const ADAATTN_PREFIX: Readonly<Record<AttentionLevel, string>> = {
  relu3_1: '',
  relu4_1: 'attn_adain_4_1.',
  relu5_1: 'attn_adain_5_1.',
};

/** f (content key → query) and g (style key → key) on the key width, h (style feature → value) on the tap's; all 1×1. */
export function adaAttnLayers(level: AttentionLevel): [f: LayerSpec, g: LayerSpec, h: LayerSpec] {
  const p = ADAATTN_PREFIX[level];
  const k = KEY_CHANNELS[level];
  const v = FEATURE_CHANNELS[level];
  return [
    { key: `${p}f`, shape: [k, k, 1, 1] },
    { key: `${p}g`, shape: [k, k, 1, 1] },
    { key: `${p}h`, shape: [v, v, 1, 1] },
  ];
}

/** The image model's 3×3 conv after relu4_1 + up2(relu5_1) attention outputs. */
export const MERGE_CONV: LayerSpec = { key: 'merge_conv', shape: [512, 512, 3, 3] };

/** Decoder: every conv reflection-padded 3×3, ReLU after each but the last; `up` = nearest ×2 after it. */
export interface DecoderStep extends LayerSpec {
  readonly relu: boolean;
  readonly up: boolean;
}

const d3 = (key: string, out: number, inp: number, up = false, relu = true): DecoderStep => ({ key, shape: [out, inp, 3, 3], relu, up });

/** decoder_layer_1: pad, conv, ReLU, up ×2. Its output is concatenated with the relu3_1 skip (→ 512). */
export const DECODER_HEAD: DecoderStep = d3('decoder_layer_1.1', 256, 512, true);

/**
 * The convs from relu3_1 resolution back to RGB, shared by both models (official Sequential indices 1…24,
 * up ×2 after 10 and 17, no ReLU after 24); only the key prefix and the first input width differ:
 * `decoder_layer_2` takes 512 (256 + the relu3_1 skip) in the image model, `decoder` takes 256 in the video model.
 */
function decoderTail(prefix: string, firstIn: number): readonly DecoderStep[] {
  return [
    d3(`${prefix}.1`, 256, firstIn),
    d3(`${prefix}.4`, 256, 256),
    d3(`${prefix}.7`, 256, 256),
    d3(`${prefix}.10`, 128, 256, true),
    d3(`${prefix}.14`, 128, 128),
    d3(`${prefix}.17`, 64, 128, true),
    d3(`${prefix}.21`, 64, 64),
    d3(`${prefix}.24`, 3, 64, false, false),
  ];
}

export const DECODER_STEPS: readonly DecoderStep[] = decoderTail('decoder_layer_2', FEATURE_CHANNELS.relu3_1 + DECODER_HEAD.shape[0]);
/** The video model's decoder (inference_frame.py), from the relu3_1 AdaAttN output. */
export const VIDEO_DECODER_STEPS: readonly DecoderStep[] = decoderTail('decoder', FEATURE_CHANNELS.relu3_1);

/** A model's shape as the stylizer sees it: where it taps the encoder, where it attends, what sizes it takes. */
export interface NetworkSpec {
  readonly variant: ModelVariant;
  /** Encoder taps, relu1_1 … the deepest one the model uses. */
  readonly taps: readonly Level[];
  /** The attention levels, in the order they run. */
  readonly levels: readonly AttentionLevel[];
  /** Default cap on attended style positions per level (the authors'). */
  readonly maxSample: Readonly<Partial<Record<AttentionLevel, number>>>;
  /** Content sides are padded to a multiple of this (the decoder must come back to the input size)… */
  readonly sideMultiple: number;
  /** …and to at least this, so that the deepest tap is at least 2×2 (reflection pad, unbiased variance). */
  readonly minPaddedSide: number;
  /** Smallest style side: the deepest tap (ceil-mode pooling) must be at least 2×2. */
  readonly minStyleSide: number;
  /** The weight components, in the order their files are listed, each with its convs in checkpoint order. */
  readonly components: Readonly<Partial<Record<ComponentName, readonly LayerSpec[]>>>;
  /**
   * The layers after the attention, whose weights follow the strength when the model has a strength endpoint
   * (model/strength.ts; tools/train/train.py `ENDPOINT_LAYERS` trains the same list). The attention's own
   * projections are not among them, so an encoded style serves every strength.
   */
  readonly strengthLayers: Readonly<Partial<Record<ComponentName, readonly LayerSpec[]>>>;
}

/** The encoder convs up to and including the one that ends `tap`. */
function encoderTo(tap: Level): readonly LayerSpec[] {
  const last = ENCODER_STEPS.findIndex((s) => s.tap === tap);
  return [ENCODER_INPUT, ...ENCODER_STEPS.slice(0, last + 1)];
}

export const IMAGE_NETWORK: NetworkSpec = {
  variant: 'image',
  taps: LEVELS,
  levels: ATTENTION_LEVELS,
  maxSample: MAX_SAMPLE,
  sideMultiple: 16, // relu5_1 ×2 must meet relu4_1
  minPaddedSide: 32,
  minStyleSide: 17,
  components: {
    encoder: encoderTo('relu5_1'),
    transformer: [...adaAttnLayers('relu4_1'), ...adaAttnLayers('relu5_1'), MERGE_CONV],
    adaattn3: adaAttnLayers('relu3_1'),
    decoder: [DECODER_HEAD, ...DECODER_STEPS],
  },
  strengthLayers: { transformer: [MERGE_CONV], decoder: [DECODER_HEAD, ...DECODER_STEPS] },
};

export const VIDEO_NETWORK: NetworkSpec = {
  variant: 'video',
  taps: ['relu1_1', 'relu2_1', 'relu3_1'],
  levels: ['relu3_1'],
  maxSample: VIDEO_MAX_SAMPLE,
  sideMultiple: 4,
  minPaddedSide: 8,
  minStyleSide: 5,
  components: {
    encoder: encoderTo('relu3_1'),
    adaattn3: adaAttnLayers('relu3_1'),
    decoder: VIDEO_DECODER_STEPS,
  },
  strengthLayers: { decoder: VIDEO_DECODER_STEPS },
};

export function networkSpec(variant: ModelVariant): NetworkSpec {
  return variant === 'image' ? IMAGE_NETWORK : VIDEO_NETWORK;
}

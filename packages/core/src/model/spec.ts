/**
 * The image model's layer structure as data (DESIGN.md §2; authors' networks.py, released configuration
 * shallow_layer + skip_connection_3): which checkpoint key each step uses and what surrounds it. The
 * shapes of those keys are the weights module's (weights/official-names.ts `expectedShapes`), checked
 * before anything is uploaded.
 */

/** A conv layer by its official checkpoint key prefix: `<key>.weight` (OIHW) and `<key>.bias`. */
export interface LayerSpec {
  readonly key: string;
}

export type Level = 'relu1_1' | 'relu2_1' | 'relu3_1' | 'relu4_1' | 'relu5_1';
export const LEVELS: readonly Level[] = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
/** Index of each level in LEVELS (and in an encoder's list of taps). */
export const LEVEL_INDEX: Readonly<Record<Level, number>> = { relu1_1: 0, relu2_1: 1, relu3_1: 2, relu4_1: 3, relu5_1: 4 };
export type AttentionLevel = 'relu3_1' | 'relu4_1' | 'relu5_1';
export const ATTENTION_LEVELS: readonly AttentionLevel[] = ['relu3_1', 'relu4_1', 'relu5_1'];

/**
 * Encoder steps after the 1×1 colour conv `0` (no padding, no ReLU): each 3×3 conv is reflection-padded
 * by 1 and followed by ReLU; `pool` = 2×2/2 ceil-mode max-pool before it; `tap` = the feature it ends.
 */
export interface EncoderStep extends LayerSpec {
  readonly pool: boolean;
  readonly tap?: Level;
}

const c3 = (key: number, pool = false, tap?: Level): EncoderStep => ({ key: String(key), pool, ...(tap === undefined ? {} : { tap }) });

/** The 1×1 colour conv (3 → 3) that maps RGB in [0,1] to what VGG expects. */
export const ENCODER_INPUT: LayerSpec = { key: '0' };
/** vgg_normalised Sequential indices; taps end relu1_1 = [0:4], relu2_1 = [4:11], … relu5_1 = [31:44]. */
export const ENCODER_STEPS: readonly EncoderStep[] = [
  c3(2, false, 'relu1_1'),
  c3(5),
  c3(9, true, 'relu2_1'),
  c3(12),
  c3(16, true, 'relu3_1'),
  c3(19),
  c3(22),
  c3(25),
  c3(29, true, 'relu4_1'),
  c3(32),
  c3(35),
  c3(38),
  c3(42, true, 'relu5_1'),
];

/** Channels of each encoder tap, and of each level's attention key (the concat of all taps up to it). */
export const FEATURE_CHANNELS: Readonly<Record<Level, number>> = { relu1_1: 64, relu2_1: 128, relu3_1: 256, relu4_1: 512, relu5_1: 512 };
export const KEY_CHANNELS: Readonly<Record<AttentionLevel, number>> = { relu3_1: 448, relu4_1: 960, relu5_1: 1472 };

/** Official default caps on sampled style positions (networks.py: 64·64 for adaattn_3, 256·256 in the transformer). */
export const MAX_SAMPLE: Readonly<Record<AttentionLevel, number>> = { relu3_1: 4096, relu4_1: 65536, relu5_1: 65536 };
export const DEFAULT_SEED = 6666;

/** Prefix of each AdaAttN module's f, g, h inside its component. */
export const ADAATTN_PREFIX: Readonly<Record<AttentionLevel, string>> = { relu3_1: '', relu4_1: 'attn_adain_4_1.', relu5_1: 'attn_adain_5_1.' };

/** f (content key → query), g (style key → key), h (style feature → value); all 1×1. */
export function adaAttnLayers(level: AttentionLevel): [LayerSpec, LayerSpec, LayerSpec] {
  const p = ADAATTN_PREFIX[level];
  return [{ key: `${p}f` }, { key: `${p}g` }, { key: `${p}h` }];
}

export const MERGE_CONV: LayerSpec = { key: 'merge_conv' };

/** Decoder: every conv reflection-padded 3×3, ReLU after each but the last; `up` = nearest ×2 after it. */
export interface DecoderStep extends LayerSpec {
  readonly relu: boolean;
  readonly up: boolean;
}

const d3 = (key: string, up = false, relu = true): DecoderStep => ({ key, relu, up });

/** decoder_layer_1: pad, conv, ReLU, up ×2. Its output is concatenated with the relu3_1 skip (→ 512). */
export const DECODER_HEAD: DecoderStep = d3('decoder_layer_1.1', true);

/**
 * The convs from relu3_1 resolution back to RGB, shared by both models (official Sequential indices 1…24,
 * up ×2 after 10 and 17, no ReLU after 24); only the key prefix differs: `decoder_layer_2` after the image
 * model's skip concatenation, `decoder` in the video model (whose first conv takes 256 channels, not 512).
 */
function decoderTail(prefix: string): readonly DecoderStep[] {
  return [
    d3(`${prefix}.1`),
    d3(`${prefix}.4`),
    d3(`${prefix}.7`),
    d3(`${prefix}.10`, true),
    d3(`${prefix}.14`),
    d3(`${prefix}.17`, true),
    d3(`${prefix}.21`),
    d3(`${prefix}.24`, false, false),
  ];
}

export const DECODER_STEPS: readonly DecoderStep[] = decoderTail('decoder_layer_2');
/** The video model's decoder (inference_frame.py), from the relu3_1 AdaAttN output. */
export const VIDEO_DECODER_STEPS: readonly DecoderStep[] = decoderTail('decoder');

/** The video model caps relu3_1 at the transformer's 256·256 (inference_frame.py builds it with that default). */
export const VIDEO_MAX_SAMPLE: Readonly<Partial<Record<AttentionLevel, number>>> = { relu3_1: 65536 };

/** A model's shape as the stylizer sees it: where it taps the encoder, where it attends, what sizes it takes. */
export interface NetworkSpec {
  readonly variant: 'image' | 'video';
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
}

export const IMAGE_NETWORK: NetworkSpec = {
  variant: 'image',
  taps: LEVELS,
  levels: ATTENTION_LEVELS,
  maxSample: MAX_SAMPLE,
  sideMultiple: 16, // relu5_1 ×2 must meet relu4_1
  minPaddedSide: 32,
  minStyleSide: 17,
};

export const VIDEO_NETWORK: NetworkSpec = {
  variant: 'video',
  taps: ['relu1_1', 'relu2_1', 'relu3_1'],
  levels: ['relu3_1'],
  maxSample: VIDEO_MAX_SAMPLE,
  sideMultiple: 4,
  minPaddedSide: 8,
  minStyleSide: 5,
};

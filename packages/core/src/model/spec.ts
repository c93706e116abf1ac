/**
 * The image model's layers as data (DESIGN.md §2; authors' networks.py, released configuration
 * shallow_layer + skip_connection_3). The layer code and the weight validation both read these tables,
 * so a checkpoint is checked against exactly what will run.
 */

export interface ConvSpec {
  /** Official checkpoint key prefix: `<key>.weight` [cout, cin, k, k], `<key>.bias` [cout]. */
  readonly key: string;
  readonly cin: number;
  readonly cout: number;
  readonly k: 1 | 3;
}

export type Level = 'relu1_1' | 'relu2_1' | 'relu3_1' | 'relu4_1' | 'relu5_1';
export const LEVELS: readonly Level[] = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
export type AttentionLevel = 'relu3_1' | 'relu4_1' | 'relu5_1';
export const ATTENTION_LEVELS: readonly AttentionLevel[] = ['relu3_1', 'relu4_1', 'relu5_1'];

/**
 * Encoder steps after the 1×1 colour conv `0` (no padding, no ReLU): each 3×3 conv is reflection-padded
 * by 1 and followed by ReLU; `pool` = 2×2/2 ceil-mode max-pool before it; `tap` = the feature it ends.
 */
export interface EncoderStep extends ConvSpec {
  readonly pool: boolean;
  readonly tap?: Level;
}

const c3 = (key: number, cin: number, cout: number, pool = false, tap?: Level): EncoderStep =>
  ({ key: String(key), cin, cout, k: 3, pool, ...(tap === undefined ? {} : { tap }) });

export const ENCODER_INPUT: ConvSpec = { key: '0', cin: 3, cout: 3, k: 1 };
/** vgg_normalised Sequential indices; taps end relu1_1 = [0:4], relu2_1 = [4:11], … relu5_1 = [31:44]. */
export const ENCODER_STEPS: readonly EncoderStep[] = [
  c3(2, 3, 64, false, 'relu1_1'),
  c3(5, 64, 64),
  c3(9, 64, 128, true, 'relu2_1'),
  c3(12, 128, 128),
  c3(16, 128, 256, true, 'relu3_1'),
  c3(19, 256, 256),
  c3(22, 256, 256),
  c3(25, 256, 256),
  c3(29, 256, 512, true, 'relu4_1'),
  c3(32, 512, 512),
  c3(35, 512, 512),
  c3(38, 512, 512),
  c3(42, 512, 512, true, 'relu5_1'),
];

/** Channels of each encoder tap, and of each level's attention key (the concat of all taps up to it). */
export const FEATURE_CHANNELS: Readonly<Record<Level, number>> = { relu1_1: 64, relu2_1: 128, relu3_1: 256, relu4_1: 512, relu5_1: 512 };
export const KEY_CHANNELS: Readonly<Record<AttentionLevel, number>> = { relu3_1: 448, relu4_1: 960, relu5_1: 1472 };

/** Official default caps on sampled style positions (networks.py: 64·64 for adaattn_3, 256·256 in the transformer). */
export const MAX_SAMPLE: Readonly<Record<AttentionLevel, number>> = { relu3_1: 4096, relu4_1: 65536, relu5_1: 65536 };
export const DEFAULT_SEED = 6666;

/** Prefix of each AdaAttN module's f, g, h inside its component. */
export const ADAATTN_PREFIX: Readonly<Record<AttentionLevel, string>> = { relu3_1: '', relu4_1: 'attn_adain_4_1.', relu5_1: 'attn_adain_5_1.' };

export function adaAttnConvs(level: AttentionLevel): ConvSpec[] {
  const p = ADAATTN_PREFIX[level];
  const kc = KEY_CHANNELS[level];
  const vc = FEATURE_CHANNELS[level];
  return [
    { key: `${p}f`, cin: kc, cout: kc, k: 1 },
    { key: `${p}g`, cin: kc, cout: kc, k: 1 },
    { key: `${p}h`, cin: vc, cout: vc, k: 1 },
  ];
}

export const MERGE_CONV: ConvSpec = { key: 'merge_conv', cin: 512, cout: 512, k: 3 };

/** Decoder: every conv reflection-padded 3×3, ReLU after each but the last; `up` = nearest ×2 after it. */
export interface DecoderStep extends ConvSpec {
  readonly relu: boolean;
  readonly up: boolean;
}

const d3 = (key: string, cin: number, cout: number, up = false, relu = true): DecoderStep => ({ key, cin, cout, k: 3, relu, up });

/** decoder_layer_1: pad, conv, ReLU, up ×2. Its output is concatenated with the relu3_1 skip (→ 512). */
export const DECODER_HEAD: DecoderStep = d3('decoder_layer_1.1', 512, 256, true);
export const DECODER_STEPS: readonly DecoderStep[] = [
  d3('decoder_layer_2.1', 512, 256),
  d3('decoder_layer_2.4', 256, 256),
  d3('decoder_layer_2.7', 256, 256),
  d3('decoder_layer_2.10', 256, 128, true),
  d3('decoder_layer_2.14', 128, 128),
  d3('decoder_layer_2.17', 128, 64, true),
  d3('decoder_layer_2.21', 64, 64),
  d3('decoder_layer_2.24', 64, 3, false, false),
];

export type ImageComponent = 'encoder' | 'transformer' | 'adaattn3' | 'decoder';

/** Every conv each component of the image model must provide. */
export const IMAGE_MODEL_CONVS: Readonly<Record<ImageComponent, readonly ConvSpec[]>> = {
  encoder: [ENCODER_INPUT, ...ENCODER_STEPS],
  transformer: [...adaAttnConvs('relu4_1'), ...adaAttnConvs('relu5_1'), MERGE_CONV],
  adaattn3: adaAttnConvs('relu3_1'),
  decoder: [DECODER_HEAD, ...DECODER_STEPS],
};

/** The official checkpoint file each component comes from (for messages). */
export const COMPONENT_FILES: Readonly<Record<ImageComponent, string>> = {
  encoder: 'vgg_normalised.pth',
  transformer: 'latest_net_transformer.pth',
  adaattn3: 'latest_net_adaattn_3.pth',
  decoder: 'latest_net_decoder.pth',
};

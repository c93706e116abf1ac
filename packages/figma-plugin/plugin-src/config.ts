/**
 * Build-time configuration. build.mjs defines __ADAATTN_MODEL_URL__ (from ADAATTN_MODEL_URL); anything that
 * runs unbundled (unit tests) falls back to the protocol's default.
 */
import { DEFAULT_SETTINGS, type PluginSettings } from '../common/protocol.js';

declare const __ADAATTN_MODEL_URL__: string | undefined;

export const DEFAULT_MODEL_URL: string = typeof __ADAATTN_MODEL_URL__ === 'string' ? __ADAATTN_MODEL_URL__ : DEFAULT_SETTINGS.modelBaseUrl;

export const BUILD_DEFAULTS: PluginSettings = { ...DEFAULT_SETTINGS, modelBaseUrl: DEFAULT_MODEL_URL };

/**
 * The plugin's main-thread entry (bundled to dist/code.js). Lifecycle only: open the UI, hand the real
 * `figma` to the controller. Passing `figma` where a PluginHost is expected is the compile-time check that
 * the narrowed API in host.ts matches Figma's typings.
 */
import { startPlugin } from './plugin.js';
import { UI_SIZE } from './limits.js';

figma.showUI(__html__, { ...UI_SIZE, themeColors: true, title: 'AdaAttN style transfer' });
startPlugin(figma);

/** Figma's own limits and this plugin's layout constants, in one place. */

/** Figma rejects images larger than this on either side (createImage throws). */
export const MAX_IMAGE_SIDE = 4096;

/**
 * A style picked from the canvas is exported with its long side at most this. The UI shrinks styles further
 * before encoding; this only bounds the bytes that cross postMessage.
 */
export const STYLE_EXPORT_MAX_SIDE = 1024;

/** Gap between an original and the results placed beside it, in canvas units. */
export const RESULT_GAP = 40;

/** Plugin data key on each result layer: the id of the original it was made from. */
export const SOURCE_KEY = 'adaattnSource';

/** clientStorage key of the saved PluginSettings. */
export const SETTINGS_KEY = 'settings';

export const UI_SIZE = { width: 320, height: 640 } as const;

/**
 * Figma's API types, imported from the typings' module form rather than used as globals, so that the sandbox
 * modules also type-check where the figma globals must not exist (the unit tests and the browser harness,
 * which need the DOM lib that the global typings clash with). Only main.ts touches the `figma` global.
 */
export type {
  ClientStorageAPI,
  ExportSettings,
  ExportSettingsConstraints,
  ExportSettingsImage,
  NotificationOptions,
  Paint,
  Rect,
} from '@figma/plugin-typings/plugin-api-standalone';

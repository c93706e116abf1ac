/**
 * A stand-in for the `obsidian` module, which exists only inside the app: the subset of its runtime API
 * the plugin uses, typed against the real typings (each class implements a Pick of the real one).
 * Vitest aliases `obsidian` here; the browser harness hands it to main.js's require().
 */
export { App, Commands, Plugin } from './app';
export { Editor } from './editor';
export { Events } from './events';
export { normalizePath } from './paths';
export { requestLog, requestUrl } from './request';
export {
  ButtonComponent,
  DropdownComponent,
  ExtraButtonComponent,
  FuzzySuggestModal,
  Menu,
  MenuItem,
  Modal,
  Notice,
  noticeLog,
  PluginSettingTab,
  Setting,
  SliderComponent,
  SuggestModal,
  TextComponent,
  ToggleComponent,
} from './ui';
export { MetadataCache, TAbstractFile, TFile, TFolder, Vault } from './vault';
export { MarkdownView, Workspace } from './workspace';

/** Mutable, so tests can play a phone. */
export const Platform = {
  isDesktop: true,
  isMobile: false,
  isDesktopApp: true,
  isMobileApp: false,
  isIosApp: false,
  isAndroidApp: false,
  isPhone: false,
  isTablet: false,
  isMacOS: false,
  isWin: false,
  isLinux: true,
  isSafari: false,
};

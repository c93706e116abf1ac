/**
 * The plugin's lifecycle only: settings, commands, the file-menu item and the settings tab are registered
 * here (through the register and add methods, so disabling the plugin removes them), and the model is freed on unload.
 */
import { normalizePath, Plugin } from 'obsidian';
import { Runtimes } from './backends';
import { StylizeCommands } from './commands';
import { ModelEngine, type StylizeEngine } from './engine';
import { CanvasCodec, type ImageCodec } from './image-codec';
import { JobRunner } from './job-runner';
import { modelSource } from './model-source';
import { ProgressNotice } from './progress-notice';
import { AdaAttnSettingTab } from './settings-tab';
import { DEFAULT_SETTINGS, mergeSettings, type AdaAttnSettings } from './settings';

export default class AdaAttnPlugin extends Plugin {
  override settings: AdaAttnSettings = { ...DEFAULT_SETTINGS };
  private engine: StylizeEngine | undefined;
  private runner: JobRunner | undefined;

  override async onload(): Promise<void> {
    this.settings = mergeSettings(await this.loadData());
    const { engine, codec } = this.createServices();
    const runner = new JobRunner();
    this.engine = engine;
    this.runner = runner;
    const commands = new StylizeCommands({ app: this.app, settings: () => this.settings, engine, codec, runner });

    this.addCommand({
      id: 'stylize-image-under-cursor',
      name: 'Stylize image under cursor',
      editorCheckCallback: (checking, editor, ctx) => commands.underCursor(checking, editor, ctx),
    });
    this.addCommand({ id: 'stylize-image', name: 'Stylize image…', callback: () => void commands.pickAndStylize() });
    this.registerEvent(this.app.workspace.on('file-menu', (menu, file) => commands.addFileMenuItem(menu, file)));
    this.addSettingTab(new AdaAttnSettingTab(this.app, this));
  }

  override onunload(): void {
    this.runner?.cancel();
    this.engine?.dispose();
  }

  async saveSettings(): Promise<void> {
    await this.saveData(this.settings);
  }

  async downloadModel(): Promise<string> {
    const source = modelSource(this.settings, this.app.vault.adapter, this.pluginDir());
    if (source.prepare === undefined) return 'The model location is a folder: there is nothing to download.';
    const controller = new AbortController();
    const notice = new ProgressNotice('AdaAttN: downloading the model', () => controller.abort());
    notice.update('Starting…');
    try {
      await source.prepare({
        signal: controller.signal,
        onProgress: ({ doneBytes, totalBytes }) =>
          notice.update(
            `${(doneBytes / 1e6).toFixed(1)} of ${(totalBytes / 1e6).toFixed(1)} MB`,
            totalBytes > 0 ? doneBytes / totalBytes : 0,
          ),
      });
      return `Done: ${source.description} is ready.`;
    } catch (error) {
      if (controller.signal.aborted) return 'Cancelled. The next download resumes where this one stopped.';
      return `Download failed: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      notice.close();
    }
  }

  /** The plugin's own folder (.obsidian/plugins/<id>): where the model is downloaded to. */
  pluginDir(): string {
    return normalizePath(this.manifest.dir ?? `${this.app.vault.configDir}/plugins/${this.manifest.id}`);
  }

  /** The model and the image codec; tests substitute fakes here. */
  protected createServices(): { engine: StylizeEngine; codec: ImageCodec } {
    const runtimes = new Runtimes();
    const engine = new ModelEngine({
      source: () => modelSource(this.settings, this.app.vault.adapter, this.pluginDir()),
      backendChoice: () => this.settings.backend,
      startBackend: (choice) => runtimes.resolve(choice),
    });
    return { engine, codec: new CanvasCodec() };
  }
}

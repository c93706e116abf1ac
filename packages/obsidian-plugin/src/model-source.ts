/**
 * Where the model directory is read from: the plugin's own folder, downloaded there on first use
 * (model-download.ts), a vault folder (through Obsidian's adapter, so it works on any vault) or an
 * absolute folder on disk (through Node's fs, which only the desktop app has: this is why the manifest
 * says isDesktopOnly).
 */
import type { ReadFile } from '@adaattn/core';
import { normalizePath, Platform, type DataAdapter } from 'obsidian';
import { ensureModel, modelFolder, pruneOtherModels, type DownloadOptions } from './model-download';
import { effectiveModelUrl, type AdaAttnSettings } from './settings';

export interface ModelSource {
  /** Identifies the location: a different key means a different model to load. */
  readonly key: string;
  /** For messages: where the files were looked for. */
  readonly description: string;
  readonly readFile: ReadFile;
  /** Gets the files in place first, where that is needed (the download); resolves at once when done before. */
  readonly prepare?: (options: Pick<DownloadOptions, 'signal' | 'onProgress'>) => Promise<void>;
}

type Location = Pick<AdaAttnSettings, 'modelLocation' | 'modelUrl' | 'modelVaultFolder' | 'modelAbsolutePath'>;

/** `pluginDir`: the plugin's folder, .obsidian/plugins/<id> (manifest.dir). */
export function modelSource(settings: Location, adapter: DataAdapter, pluginDir: string): ModelSource {
  if (settings.modelLocation === 'download') {
    const url = effectiveModelUrl(settings);
    const folder = modelFolder(pluginDir, url);
    return {
      key: `download:${url}`,
      description: `the model downloaded from ${url}`,
      readFile: async (relative) => new Uint8Array(await adapter.readBinary(normalizePath(`${folder}/${relative}`))),
      prepare: async (options) => {
        const result = await ensureModel(url, folder, adapter, options);
        if (result !== undefined) await pruneOtherModels(adapter, folder); // a new version replaces the old one
      },
    };
  }
  if (settings.modelLocation === 'vault') {
    const folder = normalizePath(settings.modelVaultFolder);
    return {
      key: `vault:${folder}`,
      description: `the vault folder "${folder}"`,
      readFile: async (relative) => new Uint8Array(await adapter.readBinary(normalizePath(`${folder}/${relative}`))),
    };
  }
  const dir = settings.modelAbsolutePath.trim().replace(/[\\/]+$/, '');
  return {
    key: `absolute:${dir}`,
    description: `the folder "${dir}"`,
    readFile: async (relative) => {
      if (dir === '') throw new Error('no absolute model folder is set (Settings → AdaAttN Style Transfer → Model folder)');
      const bytes = await nodeFs().readFile(`${dir}/${relative}`);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}

interface NodeFsPromises {
  readFile(path: string): Promise<Uint8Array>;
}

/** Node's fs/promises from Electron's renderer; looked up only when an absolute path is used. */
function nodeFs(): NodeFsPromises {
  const req = (globalThis as { require?: (id: string) => unknown }).require;
  if (!Platform.isDesktopApp || typeof req !== 'function') {
    throw new Error('an absolute model folder can only be read by the desktop app; put the model in a vault folder instead');
  }
  return req('fs/promises') as NodeFsPromises;
}

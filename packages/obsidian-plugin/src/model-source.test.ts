import type * as O from 'obsidian';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Platform, Vault } from '../test/fake-obsidian/index';
import { modelSource } from './model-source';
import { DEFAULT_SETTINGS, type AdaAttnSettings } from './settings';

const adapterOf = (vault: Vault) => vault.adapter as unknown as O.DataAdapter;
const PLUGIN_DIR = '.obsidian/plugins/adaattn-style-transfer';

afterEach(() => {
  Platform.isDesktopApp = true;
  vi.unstubAllGlobals();
});

describe('modelSource', () => {
  it('reads a vault folder through the adapter, normalising the path', async () => {
    const vault = new Vault();
    vault.seed('Models/adaattn/model.json', '{"x":1}');
    const src = modelSource(
      { ...DEFAULT_SETTINGS, modelLocation: 'vault', modelVaultFolder: '/Models//adaattn/' } satisfies AdaAttnSettings,
      adapterOf(vault),
      PLUGIN_DIR,
    );
    expect(src.key).toBe('vault:Models/adaattn');
    expect(new TextDecoder().decode(await src.readFile('model.json'))).toBe('{"x":1}');
    await expect(src.readFile('encoder.safetensors')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("reads an absolute folder with Node's fs on the desktop app", async () => {
    const readFile = vi.fn(async (path: string) => new TextEncoder().encode(`bytes of ${path}`));
    vi.stubGlobal('require', (id: string) => (id === 'fs/promises' ? { readFile } : undefined));
    const src = modelSource(
      { ...DEFAULT_SETTINGS, modelLocation: 'absolute', modelAbsolutePath: 'C:\\models\\adaattn\\' },
      adapterOf(new Vault()),
      PLUGIN_DIR,
    );
    expect(src.key).toBe('absolute:C:\\models\\adaattn');
    expect(new TextDecoder().decode(await src.readFile('model.json'))).toBe('bytes of C:\\models\\adaattn/model.json');
  });

  it('explains why an absolute folder cannot be read off the desktop app, or when none is set', async () => {
    Platform.isDesktopApp = false;
    const src = modelSource(
      { ...DEFAULT_SETTINGS, modelLocation: 'absolute', modelAbsolutePath: '/m' },
      adapterOf(new Vault()),
      PLUGIN_DIR,
    );
    await expect(src.readFile('model.json')).rejects.toThrow(/only be read by the desktop app; put the model in a vault folder/);
    const unset = modelSource(
      { ...DEFAULT_SETTINGS, modelLocation: 'absolute', modelAbsolutePath: ' ' },
      adapterOf(new Vault()),
      PLUGIN_DIR,
    );
    await expect(unset.readFile('model.json')).rejects.toThrow(/no absolute model folder is set/);
  });
});

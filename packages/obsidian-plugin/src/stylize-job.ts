/**
 * One stylize run, vault to vault: read and decode the content and style images, run the engine, encode a
 * PNG and write it as a new file beside the content. Knows nothing about notes, commands or notices.
 */
import { AbortError } from '@adaattn/core';
import type { TFile, Vault } from 'obsidian';
import type { Controls } from './controls';
import type { EngineRun, StylizeEngine } from './engine';
import type { ImageCodec } from './image-codec';
import { freePath, outputStem } from './naming';

export interface StylizeRequest {
  readonly content: TFile;
  readonly style: TFile;
  /** Longest side the images are scaled down to. */
  readonly maxSide: number;
  readonly controls: Controls;
  readonly outputTemplate: string;
}

export interface JobDeps {
  readonly vault: Vault;
  readonly codec: ImageCodec;
  readonly engine: StylizeEngine;
}

export async function stylizeToNewFile(deps: JobDeps, request: StylizeRequest, run: EngineRun): Promise<TFile> {
  const { vault, codec, engine } = deps;
  const { content, style, maxSide } = request;
  const contentImage = await codec.decode(await vault.readBinary(content), maxSide);
  const styleInput = {
    // Same file, same bytes (mtime and size), same scale: same features.
    key: `${style.path}|${style.stat.mtime}|${style.stat.size}|${maxSide}`,
    image: async () => codec.decode(await vault.readBinary(style), maxSide),
  };
  const output = await engine.stylize(contentImage, styleInput, request.controls, run);
  const png = await codec.encodePng(output);
  // The last moment a cancel can still mean "no file".
  if (run.signal.aborted) throw new AbortError();
  const path = await freePath(
    content.parent?.path ?? '',
    outputStem(request.outputTemplate, content.basename, style.basename),
    'png',
    (p) => isTaken(vault, p),
  );
  return vault.createBinary(path, png);
}

/**
 * Taken in the vault's index, or on disk. The adapter's check is case-insensitive where the disk is, and
 * also sees files Obsidian has not indexed (e.g. in hidden folders).
 */
async function isTaken(vault: Vault, path: string): Promise<boolean> {
  return vault.getAbstractFileByPath(path) !== null || (await vault.adapter.exists(path));
}

/** Types of esbuild.config.mjs for the tests that build the bundle. */
import type { Metafile } from 'esbuild';

export function buildPlugin(options?: {
  outdir?: string;
  production?: boolean;
  watch?: boolean;
}): Promise<{ outdir: string; metafile: Metafile } | undefined>;

export const DEFAULT_MODEL_URL: string;

/** Types of release.mjs for the tests. */
export const REPO_FILES: string[];
export const ASSET_FILES: string[];
export function checkVersions(dir?: string): Promise<string>;
export function release(options?: { outDir?: string; quiet?: boolean }): Promise<{ version: string; assets: string; repo: string }>;

/** Types of version-bump.mjs for the tests. */
export function bumpVersion(
  version: string,
  options?: { minApp?: string; dir?: string },
): Promise<{ version: string; minAppVersion: string }>;

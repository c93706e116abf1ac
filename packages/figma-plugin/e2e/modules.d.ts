/** Types of the package's two .mjs tools, for the e2e test (they run under plain Node, so they stay JS). */
declare module '../build.mjs' {
  export function buildPlugin(options?: { modelUrl?: string; minify?: boolean; quiet?: boolean }): Promise<{ dist: string; modelUrl: string }>;
  export function domainAllowed(url: string, domains: readonly string[]): boolean;
  export const DEFAULT_MODEL_URL: string;
}
declare module '../serve.mjs' {
  export function startServer(options?: {
    routes?: Record<string, string>;
    virtual?: Record<string, { body: string; type: string }>;
    port?: number;
    log?: boolean;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * requestUrl: Obsidian's HTTP client (no CORS; the response body fully read). The fake sends real requests
 * with fetch, so the browser test downloads from its local server; `requestLog` records what was asked.
 */
import type * as O from 'obsidian';

export const requestLog: { url: string; range: string | undefined; status: number }[] = [];

export async function requestUrl(request: O.RequestUrlParam | string): Promise<O.RequestUrlResponse> {
  const r = typeof request === 'string' ? { url: request } : request;
  const response = await fetch(r.url, { method: r.method ?? 'GET', ...(r.headers ? { headers: r.headers } : {}) });
  const arrayBuffer = await response.arrayBuffer();
  requestLog.push({ url: r.url, range: r.headers?.['Range'], status: response.status });
  if (r.throw !== false && response.status >= 400)
    throw Object.assign(new Error(`Request failed, status ${response.status}`), { status: response.status });
  const text = () => new TextDecoder().decode(arrayBuffer);
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    arrayBuffer,
    get text() {
      return text();
    },
    get json(): unknown {
      return JSON.parse(text());
    },
  };
}

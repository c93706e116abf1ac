/**
 * The UI side of the message channel. Figma wraps messages: the iframe posts `{ pluginMessage }` to its
 * parent and receives `event.data.pluginMessage`. Binary payloads (Uint8Array) cross as structured clones.
 */
import { isMainToUi, type MainToUi, type UiToMain } from '../common/protocol.js';

export interface Bridge {
  send(message: UiToMain): void;
  /** Calls `handler` for every valid message from the main thread; returns an unsubscribe function. */
  subscribe(handler: (message: MainToUi) => void): () => void;
}

export function createBridge(win: Window = window): Bridge {
  return {
    send(message) {
      win.parent.postMessage({ pluginMessage: message, pluginId: '*' }, '*');
    },
    subscribe(handler) {
      const listener = (event: MessageEvent) => {
        const data: unknown = event.data;
        const message = typeof data === 'object' && data !== null ? (data as { pluginMessage?: unknown }).pluginMessage : undefined;
        if (isMainToUi(message)) handler(message);
      };
      win.addEventListener('message', listener);
      return () => win.removeEventListener('message', listener);
    },
  };
}

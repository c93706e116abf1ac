/**
 * The UI iframe's entry (inlined into dist/ui.html): wires the DOM view, the message bridge and the model
 * engine together.
 */
import { App } from './app.js';
import { backendOrderFrom } from './backends.js';
import { createBridge } from './bridge.js';
import { Engine } from './engine.js';
import { openModelCache } from './model-cache.js';
import { View } from './view.js';

const order = backendOrderFrom(location.search);
const engine = new Engine({ cache: openModelCache, ...(order ? { backendOrder: order } : {}) });
const app = new App(createBridge(window), engine);
app.start((actions) => new View(document, actions));

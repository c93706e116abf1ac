/**
 * GPU names that are really the CPU: Chromium's SwiftShader, Mesa's llvmpipe, lavapipe and softpipe,
 * Windows' Basic Render Driver. A WebGL or WebGPU drawn by one of them runs the model 10–100× slower than
 * WebAssembly (tools/bench/browser.mjs), so the plugins pass it over unless the user chose it.
 */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i;

export function isSoftwareRenderer(name: string | undefined): boolean {
  return name !== undefined && SOFTWARE_RENDERER.test(name);
}

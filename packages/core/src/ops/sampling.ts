/**
 * Deterministic sampling of style positions.
 *
 * The official AdaAttN caps the style positions each attention module sees (4096 at relu3_1, 65536 at
 * relu4_1/5_1) with `torch.manual_seed(seed); torch.randperm(N)[:cap]`. Deviation (docs/MODEL.md §3): we draw
 * the same kind of sample — `cap` distinct positions, uniformly, re-seeded per module with the same seed —
 * from our own PRNG, so the chosen indices differ from torch's; bit-equality with torch's RNG is not a goal.
 * The same indices select both keys and values. Callers that need torch's exact indices pass them in.
 */

/** A Weyl sequence through murmur3's fmix32 finaliser: spreads a 32-bit seed over the generator's state. */
function seedSequence(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** xoshiro128**: a small, fast, well-tested 32-bit generator. Returns uint32 values. */
export function createRng(seed: number): () => number {
  const init = seedSequence(seed);
  let s0 = init();
  let s1 = init();
  let s2 = init();
  let s3 = init();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Uniform integer in [0, bound) without modulo bias. */
function below(next: () => number, bound: number): number {
  const limit = 2 ** 32 - (2 ** 32 % bound);
  let r = next();
  while (r >= limit) r = next();
  return r % bound;
}

/**
 * `cap` distinct indices in [0, n), uniformly at random for `seed` (a partial Fisher–Yates shuffle),
 * sorted ascending (order does not change attention, and sorted gathers read memory in order);
 * null when n ≤ cap, meaning "use every position", as the official code does.
 */
export function samplePositions(n: number, cap: number, seed: number): Int32Array | null {
  if (n <= cap) return null;
  const next = createRng(seed);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < cap; i++) {
    const j = i + below(next, n - i);
    const tmp = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = tmp;
  }
  return pool.slice(0, cap).sort();
}

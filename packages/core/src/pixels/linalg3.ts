/**
 * Symmetric 3×3 matrices (colour covariances): eigen-decomposition by cyclic Jacobi rotations and the
 * matrix functions colour matching needs. Row-major arrays of 9 numbers, float64 throughout.
 */
export type Mat3 = readonly number[];

export function multiply3(a: Mat3, b: Mat3): number[] {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return out;
}

/** Eigenvalues and eigenvectors (the columns of `vectors`) of a symmetric matrix: m = V·diag(λ)·Vᵀ. */
export function symmetricEigen3(m: Mat3): { values: number[]; vectors: number[] } {
  const a = [...m];
  const v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1]! ** 2 + a[2]! ** 2 + a[5]! ** 2;
    if (off <= 1e-30 * (a[0]! ** 2 + a[4]! ** 2 + a[8]! ** 2) || off === 0) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = a[p * 3 + q]!;
      if (apq === 0) continue;
      // The rotation that zeroes a[p][q] (Golub & Van Loan, symmetric Schur decomposition).
      const theta = (a[q * 3 + q]! - a[p * 3 + p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k * 3 + p]!;
        const akq = a[k * 3 + q]!;
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p * 3 + k]!;
        const aqk = a[q * 3 + k]!;
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p]!;
        const vkq = v[k * 3 + q]!;
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  return { values: [a[0]!, a[4]!, a[8]!], vectors: v };
}

/** V·diag(f(λ))·Vᵀ for a symmetric matrix. */
export function applyToEigenvalues3(m: Mat3, f: (lambda: number) => number): number[] {
  const { values, vectors: v } = symmetricEigen3(m);
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += v[i * 3 + k]! * f(values[k]!) * v[j * 3 + k]!;
      out[i * 3 + j] = sum;
    }
  }
  return out;
}

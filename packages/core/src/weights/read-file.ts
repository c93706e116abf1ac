/**
 * The caller-supplied file reader and the one wrapper that turns its failures into WeightsErrors.
 *
 * Core never touches a file system: Node passes a reader over a directory, browsers one over fetch or
 * an upload. Readers signal a missing file in their own ways (ENOENT, a 404, DOMException NotFoundError,
 * a message), so all of them are recognised here and reported as 'missing-file'.
 */
import { WeightsError } from './errors.js';

/** Reads a file by its path relative to the model directory. */
export type ReadFile = (relativePath: string) => Promise<Uint8Array>;

export async function readRequired(readFile: ReadFile, path: string, purpose: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    if (cause instanceof WeightsError) throw cause;
    const detail = cause instanceof Error ? cause.message : String(cause);
    if (looksMissing(cause)) {
      throw new WeightsError('missing-file', `${path}: missing (${purpose}): ${detail}`, { file: path, cause });
    }
    throw new WeightsError('read-failed', `${path}: cannot be read (${purpose}): ${detail}`, { file: path, cause });
  }
}

function looksMissing(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, status, message } = error as { code?: unknown; name?: unknown; status?: unknown; message?: unknown };
  if (code === 'ENOENT' || name === 'NotFoundError' || status === 404) return true;
  return typeof message === 'string' && /ENOENT|no such file|does not exist|not found|\b404\b/i.test(message);
}

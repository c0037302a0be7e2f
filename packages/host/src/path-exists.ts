import { access } from 'node:fs/promises';

/** Whether `path` exists (and, with `mode`, is accessible so: `constants.X_OK`…); never throws. */
export async function pathExists(path: string, mode?: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

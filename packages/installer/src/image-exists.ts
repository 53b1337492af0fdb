import type { Docker } from '@gantry/docker';

/** Whether `docker` has an image by that ref (any error but "no such image" is thrown). */
export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

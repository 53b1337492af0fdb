import { connectDocker, type EngineTls } from './connect';

/** Asks a Docker engine for its CPUs and memory, or says why it could not be reached (5 s at most). */
export async function probeEngine(dockerUrl: string, tls?: EngineTls, timeoutMs = 5000): Promise<{ ok: true; cpus: number; memoryBytes: number } | { ok: false; error: string }> {
  try {
    const docker = connectDocker(dockerUrl, tls);
    const info = (await Promise.race([
      docker.info(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs)),
    ])) as { NCPU: number; MemTotal: number };
    return { ok: true, cpus: info.NCPU, memoryBytes: info.MemTotal };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

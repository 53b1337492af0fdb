/**
 * Global setup of suites that need only a Docker engine and the stack image (buildpacks).
 * `npm test` prepares both before vitest starts (scripts/test.sh); this only checks, so a
 * missing piece fails fast with a clear message instead of a timeout.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  const stack = process.env.GANTRY_STACK_IMAGE ?? 'gantry/stack:bookworm';
  try {
    execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', stack], { stdio: 'pipe' });
  } catch (err) {
    const msg = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? String(err);
    throw new Error(`Docker or the stack image ${stack} is not available (${msg}). Run \`npm test\`, which sets them up.`);
  }
}

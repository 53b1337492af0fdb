/** The first admin user, and logging the local CLI in as them (what `npm run up` promises). */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentialsPath, normalizeApiUrl, readCredentials, saveLogin } from '@gantry/api-client';
import type { Config } from '@gantry/config';
import { authenticateToken, createUser, issueToken, type Ctx } from '@gantry/control';

export const ADMIN_EMAIL = 'admin@gantry.local';

/** Creates the admin on first run; the generated password is printed once and kept 0600. */
export async function ensureAdmin(ctx: Ctx, config: Config): Promise<{ id: string; email: string; password: string | null; passwordFile: string }> {
  const passwordFile = join(config.paths.home, 'admin-password');
  const existing = await ctx.db.user.findFirst({ where: { isAdmin: true }, orderBy: { createdAt: 'asc' } });
  if (existing) return { id: existing.id, email: existing.email, password: null, passwordFile };
  const password = randomBytes(15).toString('base64url');
  const user = await createUser(ctx, { email: ADMIN_EMAIL, password, name: 'Admin', isAdmin: true });
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  return { id: user.id, email: user.email, password, passwordFile };
}

/** Logs the CLI of this machine's user in as `userId` unless it already holds a working token. */
export async function ensureCliLogin(ctx: Ctx, apiUrl: string, user: { id: string; email: string }, env: NodeJS.ProcessEnv = process.env) {
  const path = credentialsPath(env);
  const current = readCredentials(path).apis[normalizeApiUrl(apiUrl)];
  if (current) {
    try {
      const actor = await authenticateToken(ctx, current.token);
      return { path, email: actor.email, fresh: false };
    } catch {
      /* revoked or from an older database: issue a new one */
    }
  }
  const { token } = await issueToken(ctx, user.id, 'cli (npm run up)');
  saveLogin(path, apiUrl, { email: user.email, token });
  return { path, email: user.email, fresh: true };
}

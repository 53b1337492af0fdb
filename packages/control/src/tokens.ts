import { Unauthenticated, generateToken, hashToken, looksLikeToken, verifyPassword } from '@gantry/core';
import type { Actor, Ctx } from './context';
import { now } from './context';

/** Issues a new API token for a user; the token is returned once and only its hash is stored. */
export async function issueToken(ctx: Ctx, userId: string, name: string, expiresAt?: Date) {
  const token = generateToken();
  const row = await ctx.db.apiToken.create({
    data: { userId, name: name.slice(0, 100), tokenHash: hashToken(token), expiresAt: expiresAt ?? null },
  });
  return { token, id: row.id };
}

/** Email + password -> a new token. The same message for unknown email and wrong password. */
export async function login(ctx: Ctx, input: { email: string; password: string; tokenName?: string }) {
  const user = await ctx.db.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
  const ok = user ? await verifyPassword(input.password, user.passwordHash) : false;
  if (!user || !ok) throw new Unauthenticated('Invalid email or password.');
  const { token } = await issueToken(ctx, user.id, input.tokenName ?? 'cli');
  return { token, user: { id: user.id, email: user.email, name: user.name } };
}

const TOUCH_INTERVAL_MS = 60_000;

/** Resolves a bearer token to the acting user, or throws Unauthenticated. */
export async function authenticateToken(ctx: Ctx, token: string | undefined): Promise<Actor> {
  if (!token) throw new Unauthenticated();
  if (!looksLikeToken(token)) throw new Unauthenticated('Invalid token.');
  const row = await ctx.db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  const t = now(ctx);
  if (!row) throw new Unauthenticated('Invalid token: it may have been revoked. Run `gantry login`.');
  if (row.expiresAt && row.expiresAt <= t) throw new Unauthenticated('Token expired. Run `gantry login`.');
  if (!row.lastUsedAt || t.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await ctx.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: t } });
  }
  return { userId: row.user.id, email: row.user.email, isAdmin: row.user.isAdmin, tokenId: row.id };
}

/** Revokes the token the actor is using (logout). */
export async function revokeCurrentToken(ctx: Ctx, actor: Actor): Promise<void> {
  if (actor.tokenId) await ctx.db.apiToken.deleteMany({ where: { id: actor.tokenId, userId: actor.userId } });
}

import { InvalidInput, NotFound, Unauthenticated, generateToken, hashToken, looksLikeToken, verifyPassword } from '@gantry/core';
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
export async function login(ctx: Ctx, input: { email: string; password: string; tokenName?: string; clientIp?: string }) {
  const attempt = { email: input.email.trim().toLowerCase(), ip: input.clientIp };
  await ctx.loginLimiter?.check(attempt); // RateLimited (429) after too many failures
  const user = await ctx.db.user.findUnique({ where: { email: input.email.trim().toLowerCase() } });
  const ok = user ? await verifyPassword(input.password, user.passwordHash) : false;
  if (!user || !ok) await ctx.loginLimiter?.failed(attempt);
  if (!user || !ok) throw new Unauthenticated('Invalid email or password.');
  await ctx.loginLimiter?.succeeded(attempt);
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

export const MAX_TOKEN_DAYS = 3650;

/** The actor's tokens, newest first (never their secrets: only hashes are stored). */
export async function listTokens(ctx: Ctx, actor: Actor) {
  return ctx.db.apiToken.findMany({
    where: { userId: actor.userId },
    select: { id: true, name: true, createdAt: true, lastUsedAt: true, expiresAt: true },
    orderBy: { createdAt: 'desc' },
  });
}

/** authorizations:create: a named token, optionally expiring; the secret is returned once. */
export async function createToken(ctx: Ctx, actor: Actor, input: { name: unknown; expiresInDays?: unknown }) {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length === 0 || name.length > 100) throw new InvalidInput('"name" must be 1 to 100 characters.');
  const days = input.expiresInDays;
  if (days !== undefined && days !== null && (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) {
    throw new InvalidInput(`"expiresInDays" must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}.`);
  }
  const expiresAt = typeof days === 'number' ? new Date(now(ctx).getTime() + days * 86_400_000) : undefined;
  const { token, id } = await issueToken(ctx, actor.userId, name, expiresAt);
  return { token, id, name, expiresAt: expiresAt ?? null, createdAt: now(ctx) };
}

/** authorizations:revoke ID: one of the actor's own tokens stops working at once. */
export async function revokeToken(ctx: Ctx, actor: Actor, id: string) {
  const { count } = /^[0-9a-f-]{36}$/.test(id) ? await ctx.db.apiToken.deleteMany({ where: { id, userId: actor.userId } }) : { count: 0 };
  if (count === 0) throw new NotFound('Token', id);
}

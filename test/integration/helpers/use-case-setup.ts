/** What use-case tests against a scratch database and the shared Redis set up and tear down. */
import { createUser, type Actor, type Ctx } from '@gantry/control';
import type { Db } from '@gantry/db';
import type { Redis } from 'ioredis';

/** A user who owns what the test creates. */
export async function testOwner(ctx: Ctx, email: string): Promise<Actor> {
  const u = await createUser(ctx, { email, password: 'password-123' });
  return { userId: u.id, email: u.email, isAdmin: false };
}

/** Removes every key under the test's instance prefix, then closes its connections. */
export async function tearDown(redis: Redis, prefix: string, db: Db | undefined): Promise<void> {
  const found = await redis.keys(`${prefix}*`);
  if (found.length) await redis.del(...found);
  redis.disconnect();
  await db?.$disconnect();
}

/** Access to the Gantry under test: users, tokens and API clients, created through real use cases. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { GantryClient } from '@gantry/api-client';
import { createUser, issueToken } from '@gantry/control';
import { connectDb, type Db } from '@gantry/db';

export const gantry = () => inject('gantry');

let db: Db | undefined;
export function testDb(): Db {
  db ??= connectDb(gantry().databaseUrl, { max: 3 });
  return db;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  client: GantryClient;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** A new user with a personal team and an API token (a Gantry admin with `admin`). */
export async function newUser(label = 'user', opts: { admin?: boolean } = {}): Promise<TestUser> {
  const ctx = { db: testDb(), queues: { add: async () => '' }, imageRepoPrefix: `gantry-${gantry().instance}` };
  const email = `${uniqueName(label)}@example.test`;
  const password = randomBytes(12).toString('base64url');
  const user = await createUser(ctx, { email, password, isAdmin: opts.admin ?? false });
  const { token } = await issueToken(ctx, user.id, 'e2e');
  return { id: user.id, email, password, token, client: new GantryClient({ baseUrl: gantry().apiUrl, token }) };
}

import { Conflict, InvalidInput, hashPassword, passwordProblem } from '@gantry/core';
import type { Ctx } from './context';

export interface CreateUserInput {
  email: string;
  password: string;
  name?: string;
  isAdmin?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Creates a user with a personal team they own. Email is case-insensitive and unique. */
export async function createUser(ctx: Ctx, input: CreateUserInput) {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 200) throw new InvalidInput(`Invalid email address ${JSON.stringify(input.email)}.`);
  const problem = passwordProblem(input.password);
  if (problem) throw new InvalidInput(`Password ${problem}.`);
  if (await ctx.db.user.findUnique({ where: { email } })) throw new Conflict(`A user with email ${email} already exists.`);
  const passwordHash = await hashPassword(input.password);
  return ctx.db.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: { email, name: input.name ?? null, passwordHash, isAdmin: input.isAdmin ?? false },
    });
    const team = await tx.team.create({ data: { name: `personal-${user.id}`, personal: true } });
    await tx.membership.create({ data: { teamId: team.id, userId: user.id, role: 'owner' } });
    return user;
  });
}

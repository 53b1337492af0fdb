import { randomInt } from 'node:crypto';
import { InvalidInput } from './errors';

/** App names: lowercase letters, digits and dashes, 3-30 characters, starting with a letter. */
export const APP_NAME_PATTERN = /^[a-z][a-z0-9-]{1,28}[a-z0-9]$/;

export function appNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 30) return 'must be 3 to 30 characters long';
  if (!/^[a-z0-9-]+$/.test(name)) return 'may contain only lowercase letters, digits and dashes';
  if (!/^[a-z]/.test(name)) return 'must start with a letter';
  if (name.endsWith('-')) return 'must not end with a dash';
  if (name.includes('--')) return 'must not contain two dashes in a row';
  return undefined;
}

export function assertAppName(name: string): string {
  const problem = appNameProblem(name);
  if (problem) throw new InvalidInput(`Invalid app name ${JSON.stringify(name)}: it ${problem}.`, { field: 'name' });
  return name;
}

const ADJECTIVES = ['ancient', 'bold', 'calm', 'crisp', 'daring', 'eager', 'fuzzy', 'gentle', 'hidden', 'lively', 'misty', 'nimble', 'polar', 'quiet', 'rapid', 'shiny', 'sunny', 'tidy', 'vast', 'witty'];
const NOUNS = ['badger', 'brook', 'canyon', 'cedar', 'comet', 'dune', 'falcon', 'fjord', 'glacier', 'harbor', 'island', 'lagoon', 'meadow', 'nebula', 'otter', 'pine', 'reef', 'summit', 'tundra', 'willow'];

/** Heroku-style generated name such as "misty-falcon-4821". */
export function generateAppName(): string {
  const pick = (xs: string[]) => xs[randomInt(xs.length)]!;
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000, 10000)}`;
}

import { describe, expect, it } from 'vitest';
import { decidePush, parseRefUpdates } from './policy';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

describe('push policy', () => {
  it('deploys a single update of main or master', () => {
    expect(decidePush([{ oldSha: A, newSha: B, ref: 'refs/heads/main' }])).toEqual({ deploy: { oldSha: A, newSha: B, ref: 'refs/heads/main' } });
    expect(decidePush([{ oldSha: Z, newSha: B, ref: 'refs/heads/master' }])).toHaveProperty('deploy');
  });

  it.each([
    [[{ oldSha: A, newSha: B, ref: 'refs/heads/feature' }], /only the main .* feature was not pushed[\s\S]*feature:main/],
    [[{ oldSha: Z, newSha: B, ref: 'refs/tags/v1' }], /only the main/],
    [[{ oldSha: A, newSha: B, ref: 'refs/heads/main' }, { oldSha: A, newSha: B, ref: 'refs/heads/master' }], /not both/],
    [[{ oldSha: A, newSha: Z, ref: 'refs/heads/main' }], /Deleting main is not supported/],
    [[], /Nothing to deploy/],
  ])('refuses %j', (updates, message) => {
    const d = decidePush(updates);
    expect('refuse' in d && d.refuse).toMatch(message);
  });

  it('parses the hook input and refuses malformed lines', () => {
    expect(parseRefUpdates(`${A} ${B} refs/heads/main\n`)).toEqual([{ oldSha: A, newSha: B, ref: 'refs/heads/main' }]);
    expect(() => parseRefUpdates('garbage')).toThrow(/malformed/);
  });
});

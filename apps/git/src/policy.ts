/**
 * Which pushes deploy. Pure: given the ref updates of one push, decide to deploy one commit or
 * to refuse the whole push with a message the pusher sees as "remote:" lines.
 */
export interface RefUpdate {
  oldSha: string;
  newSha: string;
  ref: string;
}

export type PushDecision = { deploy: RefUpdate } | { refuse: string };

export const DEPLOY_BRANCHES = ['refs/heads/main', 'refs/heads/master'];
const ZERO = /^0{40}$/;

export function parseRefUpdates(text: string): RefUpdate[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [oldSha, newSha, ref] = l.split(/\s+/);
      if (!oldSha || !newSha || !ref || !/^[0-9a-f]{40}$/.test(oldSha) || !/^[0-9a-f]{40}$/.test(newSha)) {
        throw new Error(`malformed ref update line: ${JSON.stringify(l)}`);
      }
      return { oldSha, newSha, ref };
    });
}

export function decidePush(updates: RefUpdate[]): PushDecision {
  if (updates.length === 0) return { refuse: 'Nothing to deploy: the push updates no branch.' };
  const others = updates.filter((u) => !DEPLOY_BRANCHES.includes(u.ref));
  if (others.length > 0) {
    const names = others.map((u) => u.ref.replace(/^refs\/heads\//, '')).join(', ');
    return {
      refuse:
        `Gantry deploys only the main (or master) branch; ${names} was not pushed.\n` +
        `To deploy another branch, push it to main: git push gantry ${others[0]!.ref.replace(/^refs\/(heads|tags)\//, '')}:main`,
    };
  }
  if (updates.length > 1) return { refuse: 'Push main or master, not both at once.' };
  const u = updates[0]!;
  if (ZERO.test(u.newSha)) {
    return { refuse: `Deleting ${u.ref.replace('refs/heads/', '')} is not supported. To remove the app, run: gantry apps:destroy` };
  }
  return { deploy: u };
}

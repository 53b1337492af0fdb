import { describe, expect, it } from 'vitest';
import { confirmLoss, type Terminal } from './confirm';

const c = { name: 'postgres-shiny-1234', action: 'destroy the add-on postgres-shiny-1234', lost: 'its data volume and DATABASE_URL of shop' };

function terminal(interactive: boolean, typed = ''): Terminal & { shown: string[] } {
  const shown: string[] = [];
  return { interactive, shown, warn: (m) => void shown.push(m), ask: async () => typed };
}

describe('confirmLoss', () => {
  it('goes on with --confirm NAME, and refuses another name without asking', async () => {
    const term = terminal(true, 'postgres-shiny-1234');
    await expect(confirmLoss({ ...c, given: 'postgres-shiny-1234' }, term)).resolves.toBeUndefined();
    await expect(confirmLoss({ ...c, given: 'postgres-other-1' }, term)).rejects.toThrow('--confirm postgres-other-1 does not match postgres-shiny-1234; nothing was done.');
    expect(term.shown).toEqual([]);
  });

  it('off a terminal, refuses naming what would be lost and the flag to pass', async () => {
    await expect(confirmLoss({ ...c, given: undefined }, terminal(false))).rejects.toThrow(
      'This would destroy the add-on postgres-shiny-1234: its data volume and DATABASE_URL of shop.\nTo proceed, re-run with --confirm postgres-shiny-1234',
    );
  });

  it('on a terminal, asks for the name and goes on only when it is typed', async () => {
    const yes = terminal(true, 'postgres-shiny-1234');
    await expect(confirmLoss({ ...c, given: undefined }, yes)).resolves.toBeUndefined();
    expect(yes.shown[0]).toContain('its data volume and DATABASE_URL of shop');
    await expect(confirmLoss({ ...c, given: undefined }, terminal(true, 'postgres'))).rejects.toThrow(/did not match/);
  });
});

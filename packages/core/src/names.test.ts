import { describe, expect, it } from 'vitest';
import { appNameProblem, assertAppName, generateAppName } from './names';

describe('app names', () => {
  it.each(['abc', 'my-app-2', 'a'.repeat(30)])('accepts %s', (name) => expect(appNameProblem(name)).toBeUndefined());

  it.each([
    ['ab', /3 to 30/],
    ['a'.repeat(31), /3 to 30/],
    ['My-App', /lowercase/],
    ['my_app', /lowercase/],
    ['1app', /start with a letter/],
    ['app-', /end with a dash/],
    ['my--app', /two dashes/],
  ])('refuses %s', (name, message) => expect(() => assertAppName(name)).toThrow(message));

  it('generates valid names', () => {
    for (let i = 0; i < 50; i++) expect(appNameProblem(generateAppName())).toBeUndefined();
  });
});

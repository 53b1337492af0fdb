import { describe, expect, it } from 'vitest';
import { builtinName, checkBuildpackEntry, editBuildpacks, parseBuildpacksFile, resolveBuildpackList, type BuildpackEdit } from './buildpack-list';

const GIT = 'https://git.example.com/tools.git';
const GIT2 = 'https://git.example.com/app-pack.git#v2';

describe('resolveBuildpackList', () => {
  const none = { stored: [], manifest: [] };
  it.each([
    ['the stored list over everything', { stored: ['nodejs'], dotBuildpacks: `${GIT}\n`, manifest: ['static'], buildpackUrl: 'procfile' }, { source: 'app', entries: ['nodejs'] }],
    ['.buildpacks over app.json and BUILDPACK_URL', { ...none, dotBuildpacks: `${GIT}\n${GIT2}\n`, manifest: ['static'], buildpackUrl: 'procfile' }, { source: '.buildpacks', entries: [GIT, GIT2] }],
    ['an empty .buildpacks counts as none', { ...none, dotBuildpacks: '# nothing yet\n\n', manifest: ['heroku/nodejs', GIT], buildpackUrl: 'procfile' }, { source: 'app.json', entries: ['heroku/nodejs', GIT] }],
    ['BUILDPACK_URL when nothing else', { ...none, buildpackUrl: ' heroku/procfile ' }, { source: 'BUILDPACK_URL', entries: ['heroku/procfile'] }],
    ['detection when nothing at all', { ...none, buildpackUrl: '  ' }, { source: 'detect', entries: [] }],
  ])('%s', (_, input, want) => {
    expect(resolveBuildpackList(input)).toEqual(want);
  });

  it('names the list and entry that is wrong', () => {
    expect(() => resolveBuildpackList({ stored: [], manifest: ['nodejs', 'ftp://x/y'] })).toThrow('app.json "buildpacks[1]": "ftp://x/y" is neither a built-in buildpack name');
    expect(() => resolveBuildpackList({ stored: [], manifest: [], buildpackUrl: 'Not A Pack' })).toThrow('BUILDPACK_URL: "Not A Pack" is neither');
    expect(() => resolveBuildpackList({ stored: [], manifest: [], dotBuildpacks: 'nodejs\nhttps://x.example/a b\n' })).toThrow('.buildpacks line 2: "https://x.example/a b"');
  });
});

describe('parseBuildpacksFile', () => {
  it('reads one entry per line, skipping blanks and comments, keeping a URL #ref', () => {
    expect(parseBuildpacksFile(`# tools first\n${GIT}  # the tool\n\n  ${GIT2}\r\nheroku/nodejs\n`)).toEqual([GIT, GIT2, 'heroku/nodejs']);
  });
  it('refuses a bad ref and too many entries', () => {
    expect(() => parseBuildpacksFile('https://x.example/bp.git#--upload-pack=id')).toThrow('"#--upload-pack=id" is not a branch or tag name');
    expect(() => parseBuildpacksFile(Array.from({ length: 11 }, (_, i) => `pack${i}`).join('\n'))).toThrow('at most 10');
  });
});

describe('checkBuildpackEntry and builtinName', () => {
  it.each([
    ['nodejs', 'nodejs'],
    ['heroku/nodejs', 'nodejs'],
    ['heroku-buildpack-nodejs', 'nodejs'],
    ['gantry/static', 'static'],
    [GIT2, undefined],
  ])('%s', (entry, short) => {
    expect(checkBuildpackEntry(entry)).toBe(entry);
    expect(builtinName(entry)).toBe(short);
  });
  it.each(['', 'file:///etc/bp', 'ext::sh -c id', '../nodejs', 'https://', 'https://x.example/a#b#c'])('refuses %j', (entry) => {
    expect(() => checkBuildpackEntry(entry)).toThrow(/buildpack: /);
  });
});

describe('editBuildpacks', () => {
  const list = ['nodejs', GIT];
  it.each<[string, BuildpackEdit, string[]]>([
    ['add appends', { action: 'add', url: GIT2 }, ['nodejs', GIT, GIT2]],
    ['add --index 1 inserts first', { action: 'add', url: GIT2, index: 1 }, [GIT2, 'nodejs', GIT]],
    ['add --index after the last appends', { action: 'add', url: GIT2, index: 3 }, ['nodejs', GIT, GIT2]],
    ['set replaces the list', { action: 'set', url: GIT2 }, [GIT2]],
    ['set --index replaces one entry', { action: 'set', url: GIT2, index: 2 }, ['nodejs', GIT2]],
    ['remove by URL', { action: 'remove', url: 'nodejs' }, [GIT]],
    ['remove by index', { action: 'remove', index: 2 }, ['nodejs']],
    ['clear', { action: 'clear' }, []],
  ])('%s', (_, edit, want) => {
    expect(editBuildpacks(list, edit)).toEqual(want);
  });

  it.each<[string, readonly string[], BuildpackEdit, string]>([
    ['a duplicate', list, { action: 'add', url: GIT }, `The buildpack ${GIT} is already set on the app.`],
    ['an index out of range', list, { action: 'add', url: GIT2, index: 4 }, 'Index 4 is out of range: use 1 to 3.'],
    ['index 0', list, { action: 'set', url: GIT2, index: 0 }, 'Index 0 is out of range: use 1 to 3.'],
    ['removing what is not there', list, { action: 'remove', url: 'static' }, 'The buildpack static is not set on the app.'],
    ['removing from an empty list', [], { action: 'remove', index: 1 }, 'The app has no buildpacks set: there is no index to use.'],
    ['removing by both', list, { action: 'remove', url: GIT, index: 1 }, 'Give the buildpack to remove, or its index, not both.'],
    ['a bad URL', list, { action: 'add', url: 'git@github.com:x/y.git' }, 'is neither a built-in buildpack name'],
    ['too many', Array.from({ length: 10 }, (_, i) => `p${i}`), { action: 'add', url: 'nodejs' }, 'The app has 10 buildpacks, the most allowed.'],
  ])('refuses %s', (_, from, edit, message) => {
    expect(() => editBuildpacks(from, edit)).toThrow(message);
  });
});

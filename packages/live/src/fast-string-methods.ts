/**
 * ioredis 6 defines `class VerbatimString extends String`. In V8 (Node 20) that turns
 * String.prototype into a dictionary ("slow") object for the rest of the process, because
 * loads on primitive strings never ask V8 to make their prototype fast again. Every
 * `text.slice()`, `.indexOf()`, `.charCodeAt()`, `.toLowerCase()` in optimized code then goes
 * through an inline-cache call instead of a constant: measured, string parsing ran about 1.5x
 * slower, and the router spent 9% of its CPU in those calls.
 *
 * The fix is V8's own path: an ordinary object whose prototype is String.prototype, loaded
 * from often enough to get feedback, makes V8 mark String.prototype as a prototype that should
 * be fast, and migrate it back; it then stays fast (a later `extends String` no longer
 * normalizes it). Checked by test/integration/fast-string-methods.test.ts.
 */
export function keepStringMethodsFast(): void {
  function Probe(this: object): void {}
  Probe.prototype = String.prototype;
  const probe = new (Probe as unknown as new () => { missing?: unknown })();
  const load = (): boolean => probe.missing === undefined;
  // Feedback is allocated after a few calls (lazy feedback allocation); then the load's IC
  // miss runs MakePrototypesFast over the probe's prototype chain.
  for (let i = 0; i < 64; i++) load();
}

/** Step headings and a spinner for long waits; plain lines when not on a terminal. */
const tty = process.stdout.isTTY;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function step(text: string): void {
  process.stdout.write(tty ? `\x1b[1;36m==>\x1b[0m ${text}\n` : `==> ${text}\n`);
}

export function note(text: string): void {
  process.stdout.write(`    ${text}\n`);
}

/** Shows `text` with a spinner until the returned function is called. */
export function spinner(text: () => string): () => void {
  if (!tty) {
    process.stdout.write(`    ${text()}\n`);
    return () => {};
  }
  let i = 0;
  const t = setInterval(() => process.stdout.write(`\r    ${FRAMES[i++ % FRAMES.length]} ${text()}\x1b[K`), 100);
  return () => {
    clearInterval(t);
    process.stdout.write('\r\x1b[K');
  };
}

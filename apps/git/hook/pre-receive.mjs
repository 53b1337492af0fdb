// Gantry's pre-receive hook: a thin trigger (plain JS, no dependencies, starts in ~50 ms).
// It asks the git service whether this push deploys (and who made it), streams the pushed
// commit as a tar (`git archive`, inside the hook because pushed objects are quarantined until
// it exits) and prints the build and deploy output it gets back, which git shows the pusher as
// "remote:" lines. Exit 0 accepts the push, anything else rejects it.
import { spawn } from 'node:child_process';
import { request } from 'node:http';

const socketPath = process.env.GANTRY_HOOK_SOCKET;
const secret = process.env.GANTRY_HOOK_SECRET;

function say(text) {
  for (const line of String(text).split('\n')) process.stdout.write(line + '\n');
}

function fail(message) {
  say(message);
  process.exit(1);
}

function call(method, path, { json, body } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { 'x-gantry-secret': secret };
    if (json !== undefined) headers['content-type'] = 'application/json';
    const req = request({ socketPath, method, path, headers }, resolve);
    req.on('error', reject);
    if (json !== undefined) req.end(JSON.stringify(json));
    else if (body) body.pipe(req);
    else req.end();
  });
}

/** Yields each JSON object of an NDJSON answer as it arrives (a plain JSON answer is one). */
async function* jsonLines(res) {
  res.setEncoding('utf8');
  let rest = '';
  for await (const chunk of res) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const part of parts) if (part.trim()) yield JSON.parse(part);
  }
  if (rest.trim()) yield JSON.parse(rest);
}

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function main() {
  if (!socketPath || !secret) fail(' !     Gantry hook is not configured (GANTRY_HOOK_SOCKET missing).');
  const updates = await readAll(process.stdin);

  // The answer may be preceded by notices (e.g. waiting for Redis), shown as they come.
  const start = await call('POST', '/pushes', { json: { repo: process.cwd(), updates } });
  let answer = {};
  for await (const msg of jsonLines(start)) {
    if (msg.t === 'line') say(msg.v);
    else answer = msg;
  }
  if (start.statusCode !== 200 || !answer.pushId) fail(answer.message ?? ` !     Push refused (${start.statusCode}).`);

  const archive = spawn('git', ['archive', '--format=tar', answer.sha], { stdio: ['ignore', 'pipe', 'inherit'] });
  const res = await call('PUT', `/pushes/${answer.pushId}/source`, { body: archive.stdout });
  let outcome = null;
  for await (const msg of jsonLines(res)) {
    if (msg.t === 'line') say(msg.v);
    else if (msg.t === 'end') outcome = msg;
  }
  if (!outcome) fail(' !     Lost the connection to Gantry before the deploy finished; check `gantry releases`.');
  if (outcome.message) say(outcome.message);
  process.exit(outcome.ok ? 0 : 1);
}

main().catch((err) => fail(` !     Gantry could not take this push: ${err.message}`));

/**
 * The agent's tasks against the real Docker engine and Redis: a task runs once to completion, its
 * output and result reach the task stream and the app log; failures, timeouts and containers that
 * cannot start end with a result; a restarted agent follows a running task again; a repeated
 * command does not run it twice.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDocker } from '@gantry/docker';
import type { TaskCommand } from '@gantry/jobs';
import { AppLogs, TaskStreams, connectRedis, keysFor, type TaskResult } from '@gantry/live';
import { DockerHost } from '../../apps/agent/src/docker-host';
import type { ImageFetcher } from '../../apps/agent/src/images';
import { Tasks } from '../../apps/agent/src/tasks';

const installation = `tasks-${randomBytes(3).toString('hex')}`;
const redis = connectRedis('redis://127.0.0.1:6379/0', 'agent-tasks-test');
const keys = keysFor(installation);
const docker = connectDocker('unix:///var/run/docker.sock');
const host = new DockerHost(docker, { address: '127.0.0.1', installation });
const streams = new TaskStreams(redis, keys);
const logs = new AppLogs(redis, keys.prefix, 1000);
const images = { ensure: async () => 'present' as const } as unknown as ImageFetcher;
const quiet = { info: () => {}, warn: () => {} };
const newTasks = () => new Tasks({ hostId: 'h1', host, images, streams, logs, log: quiet });
const IMAGE = 'gantry/stack:bookworm';

function command(id: string, script: string, timeoutMs = 30_000): TaskCommand {
  return {
    kind: 'task',
    epoch: 0,
    allocId: id,
    appId: 'app-1',
    appName: 'demo',
    process: 'release',
    logSource: 'release',
    timeoutMs,
    spec: {
      name: `gantry-${installation}-demo-${id}`,
      image: IMAGE,
      cmd: ['/bin/sh', '-c', script],
      env: { GREETING: 'hi' },
      labels: { 'gantry.instance': installation, 'gantry.role': 'task', 'gantry.app': 'demo', 'gantry.app.id': 'app-1' },
      memoryBytes: 128 * 1024 * 1024,
      cpuShares: 256,
      exposesPort: false,
    },
  };
}

async function follow(id: string): Promise<{ lines: string[]; result: TaskResult }> {
  const conn = connectRedis('redis://127.0.0.1:6379/0', 'agent-tasks-follow');
  const lines: string[] = [];
  try {
    const result = await streams.follow(conn, id, (l) => void lines.push(l));
    return { lines, result };
  } finally {
    conn.disconnect();
  }
}

const containersLeft = async () => (await host.list('task')).length;

afterAll(async () => {
  for (const c of await host.list('task')) await host.kill(c.containerId).catch(() => {});
  const left = await redis.keys(`${keys.prefix}*`);
  if (left.length) await redis.del(...left);
  await redis.quit();
});

describe('agent tasks', () => {
  it('runs a command once to completion: output to the stream and the app log, result, container removed', async () => {
    const tasks = newTasks();
    expect(await tasks.start(command('ok', 'echo "$GREETING from $0"; echo second line; exit 0'))).toBe('started');
    const { lines, result } = await follow('ok');
    expect(lines).toEqual(['hi from /bin/sh', 'second line']);
    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, hostId: 'h1' });
    expect(result.startedAt).toBeGreaterThan(0);
    const logged = await logs.recent('app-1', 50);
    expect(logged.filter((e) => e.source === 'release' && e.process === 'release').map((e) => e.line)).toEqual(expect.arrayContaining(['hi from /bin/sh', 'second line']));
    await expect.poll(containersLeft, { timeout: 10_000 }).toBe(0);
    // Sent again (a redelivered command): it does not run again.
    expect(await tasks.start(command('ok', 'echo again'))).toBe('already ended');
  });

  it('ends with the exit code of a failing command', async () => {
    await newTasks().start(command('fail', 'echo broken >&2; exit 3'));
    const { lines, result } = await follow('fail');
    expect(lines).toEqual(['broken']);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3, reason: 'exit code 3' });
  });

  it('stops a command that runs past its deadline', async () => {
    await newTasks().start(command('slow', 'echo started; sleep 60', 1500));
    const { lines, result } = await follow('slow');
    expect(lines).toEqual(['started']);
    expect(result).toMatchObject({ outcome: 'timeout', exitCode: null, reason: 'timed out after 2 s and was stopped' });
    await expect.poll(containersLeft, { timeout: 10_000 }).toBe(0);
  });

  it('ends with a reason when its image cannot be had or its program does not exist', async () => {
    const noImage = new Tasks({ hostId: 'h1', host, images: { ensure: async () => Promise.reject(new Error('image server answered 404')) } as unknown as ImageFetcher, streams, logs, log: quiet });
    expect(await noImage.start(command('noimage', 'true'))).toBe('no image');
    expect((await follow('noimage')).result).toMatchObject({ outcome: 'error', exitCode: null, reason: 'could not get the image: image server answered 404' });

    const cmd = command('noprogram', '');
    cmd.spec.cmd = ['/no/such/program'];
    await newTasks().start(cmd);
    const { result } = await follow('noprogram');
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(127);
  });

  it('a restarted agent follows a running task again and ends it once', async () => {
    const first = newTasks();
    await first.start(command('adopt', 'echo one; sleep 2; echo two; exit 4'));
    // The agent "restarts": a new Tasks finds the container by its labels.
    const second = newTasks();
    await second.adopt();
    expect(await second.start(command('adopt', 'echo again'))).toBe('already running');
    const { result } = await follow('adopt');
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 4 });
    const ends = (await redis.xrange(keys.task('adopt'), '-', '+')).filter(([, f]) => f[1] === 'end');
    expect(ends).toHaveLength(1);
  });
});

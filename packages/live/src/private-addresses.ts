/**
 * Static addresses on the team networks: the agent (or the API, for `gantry run`) reserves one for
 * a container before creating it, so the container knows it from its first instruction
 * (GANTRY_PRIVATE_IP) and Docker never has to pick. The agent that sees the container destroyed
 * gives the address back. One hash per network: address -> container name.
 */
import type { Redis } from 'ioredis';
import { randomStaticAddress } from '@gantry/core';
import type { Keys } from './keys';

const RELEASE = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

export class PrivateAddresses {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** A free address of the subnet for `owner` (random tries; the same owner gets its own address back). */
  async reserve(network: string, subnet: string, owner: string): Promise<string> {
    const key = this.keys.privateAddresses(network);
    for (let i = 0; i < 64; i++) {
      const ip = randomStaticAddress(subnet);
      if ((await this.redis.hsetnx(key, ip, owner)) === 1) return ip;
      if ((await this.redis.hget(key, ip)) === owner) return ip;
    }
    throw new Error(`No free private address found in ${subnet} (${network})`);
  }

  /** Gives the address back, if `owner` still holds it. */
  async release(network: string, ip: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys.privateAddresses(network), ip, owner);
  }
}

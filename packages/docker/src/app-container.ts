/**
 * The confinement every app container gets, long-running instances and one-off `run` containers
 * alike: an init process, memory without extra swap, a CPU share, a pid limit, fewer capabilities,
 * no privilege escalation, and bounded json-file logs. Never the Docker socket.
 */
export const DROPPED_CAPS = ['NET_RAW', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP', 'SYS_CHROOT'];

export function appHostConfig(o: { memoryBytes: number; cpuShares: number; logMaxSize: string; logMaxFiles: number }) {
  return {
    Init: true,
    Memory: o.memoryBytes,
    MemorySwap: o.memoryBytes,
    CpuShares: o.cpuShares,
    PidsLimit: 2048,
    CapDrop: DROPPED_CAPS,
    SecurityOpt: ['no-new-privileges'],
    LogConfig: { Type: 'json-file', Config: { 'max-size': o.logMaxSize, 'max-file': String(o.logMaxFiles) } },
  };
}

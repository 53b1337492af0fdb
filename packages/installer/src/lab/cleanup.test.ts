import { describe, expect, it } from 'vitest';
import { cgroupDirs, mountsUnder, parseMountinfo } from './cleanup';

const MOUNTINFO = [
  '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '48 27 254:0 /var/lib/gantry-lab/lab/a/data /var/lib/gantry-lab/lab/a/data rw shared:9 - ext4 /dev/vda rw',
  '60 48 0:60 / /var/lib/gantry-lab/lab/a/data/overlay2/abc/merged rw - overlay overlay rw,lowerdir=x',
  '61 27 0:4 net:[4026532] /run/gantry-lab/lab/a/exec/netns/f00 rw - nsfs nsfs rw',
  '62 27 0:61 / /var/lib/gantry-lab/lab/a/data/containers/with\\040space/mounts/shm rw - tmpfs shm rw',
  '70 27 254:0 /var/lib/gantry-lab/lab2/a/data /var/lib/gantry-lab/lab2/a/data rw - ext4 /dev/vda rw',
].join('\n');

describe('lab cleanup', () => {
  it('parses mountinfo, unescaping mount points', () => {
    const mounts = parseMountinfo(MOUNTINFO);
    expect(mounts).toHaveLength(8);
    expect(mounts[6]).toEqual({ mountPoint: '/var/lib/gantry-lab/lab/a/data/containers/with space/mounts/shm', fsType: 'tmpfs' });
  });

  it("lists a prefix's mounts deepest first, and not another prefix's", () => {
    expect(mountsUnder(parseMountinfo(MOUNTINFO), ['/var/lib/gantry-lab/lab', '/run/gantry-lab/lab'])).toEqual([
      '/var/lib/gantry-lab/lab/a/data/containers/with space/mounts/shm',
      '/var/lib/gantry-lab/lab/a/data/overlay2/abc/merged',
      '/run/gantry-lab/lab/a/exec/netns/f00',
      '/var/lib/gantry-lab/lab/a/data',
    ]);
  });

  it('finds the cgroup directories in every hierarchy', () => {
    expect(cgroupDirs(parseMountinfo(MOUNTINFO), 'gantry-lab/lab')).toEqual(['/sys/fs/cgroup/cpu/gantry-lab/lab', '/sys/fs/cgroup/unified/gantry-lab/lab']);
  });
});

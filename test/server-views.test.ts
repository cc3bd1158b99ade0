/**
 * The servers' state is read through typed, read-only views found by what each port is, never by
 * casting a pid to a class: the TUI's panes and `xrr state` read them.
 */
import { describe, expect, it } from 'vitest';
import { MmPort } from '../src/servers/mm-port.js';
import { PmPort } from '../src/servers/pm-port.js';
import { serverViews, viewsOf } from '../src/servers/server-views.js';
import { inspectVfs } from '../src/servers/vfs/vfs-inspect.js';
import { testMachine } from './ipc-kernel-support.js';

describe('server views', () => {
  it("show each server's state as the machine has it", () => {
    const t = testMachine();
    t.run(['echo hi > /tmp/x\n']);
    const v = serverViews(t.machine);
    expect(v.pm()?.procs.get(1)?.name).toBe('init');
    expect(v.mm()?.procs.get(1)?.regions.some((r) => r.kind === 'text')).toBe(true);
    const vfs = v.vfs();
    expect(vfs && inspectVfs(vfs).procs.map((p) => p.pid)).toContain(1);
    expect(v.rs()?.policy.limit).toBeGreaterThan(0);
    // Views are the live state: they follow the machine as it runs.
    const before = vfs?.inodes.size ?? 0;
    t.run(['echo more > /tmp/y\n']);
    expect(v.vfs()?.inodes.size).toBe(before + 1);
  });

  it('are undefined for a server the machine does not have', () => {
    const v = viewsOf([new PmPort(), new MmPort()]);
    expect(v.pm()).toBeDefined();
    expect(v.mm()).toBeDefined();
    expect(v.vfs()).toBeUndefined();
    expect(v.rs()).toBeUndefined();
  });

  it('are read-only in type', () => {
    const pm = viewsOf([new PmPort()]).pm();
    if (!pm) throw new Error('no PM view');
    // @ts-expect-error a view's maps have no mutators
    expect(() => pm.procs.clear).toBeDefined();
    const init = pm.procs.get(0);
    if (init) {
      // @ts-expect-error a view's fields cannot be assigned
      expect(() => (init.name = 'x')).toBeDefined();
    }
  });
});

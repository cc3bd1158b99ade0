/**
 * What the journal says about a guest process's life: when it was created (fork) and when it
 * ran a new image (exec), when it exited, and its descendants. Read once from the recorded
 * events, so questions about a process never need a replay.
 */
import type { BranchId } from '../journal/ids.js';
import type { JournalStore } from '../journal/store.js';

export interface ProcessLife {
  readonly pid: number;
  readonly parent: number | undefined;
  /** Icount of the fork that created it (undefined for a process from boot). */
  readonly forkedAt: number | undefined;
  /** Icounts (and paths) of its execs, in order. */
  readonly execs: readonly { readonly icount: number; readonly path: string }[];
  readonly exitedAt: number | undefined;
  readonly children: readonly number[];
}

export class ProcessHistory {
  private readonly lives = new Map<number, { pid: number; parent: number | undefined; forkedAt: number | undefined; execs: { icount: number; path: string }[]; exitedAt: number | undefined; children: number[] }>();

  constructor(store: JournalStore, branch: BranchId) {
    const life = (pid: number) => {
      let l = this.lives.get(pid);
      if (!l) {
        l = { pid, parent: undefined, forkedAt: undefined, execs: [], exitedAt: undefined, children: [] };
        this.lives.set(pid, l);
      }
      return l;
    };
    for (const e of store.iterateEvents(branch, { kinds: ['fork', 'exec', 'exit'] })) {
      const ev = e.event;
      if (ev.kind === 'fork') {
        const child = life(ev.child);
        child.parent = ev.parent;
        child.forkedAt = ev.icount;
        life(ev.parent).children.push(ev.child);
      } else if (ev.kind === 'exec') {
        life(ev.pid).execs.push({ icount: ev.icount, path: ev.path });
      } else if (ev.kind === 'exit') {
        life(ev.pid).exitedAt ??= ev.icount;
      }
    }
  }

  get(pid: number): ProcessLife | undefined {
    return this.lives.get(pid);
  }

  /** Every process the journal mentions, by pid. */
  pids(): number[] {
    return [...this.lives.keys()].sort((a, b) => a - b);
  }

  /** The last user program started: the process a debugger follows by default. */
  lastExeced(): number | undefined {
    let best: { pid: number; icount: number } | undefined;
    for (const l of this.lives.values()) {
      const last = l.execs[l.execs.length - 1];
      if (last && (!best || last.icount > best.icount)) best = { pid: l.pid, icount: last.icount };
    }
    return best?.pid;
  }

  /** `pid` and all its descendants. */
  family(pid: number): Set<number> {
    const out = new Set<number>();
    const walk = (p: number) => {
      if (out.has(p)) return;
      out.add(p);
      for (const c of this.lives.get(p)?.children ?? []) walk(c);
    };
    walk(pid);
    return out;
  }

  /** The image path `pid` runs at `icount`: its last exec before then, else its parent's at the fork. */
  imagePathAt(pid: number, icount: number): string | undefined {
    for (let p: number | undefined = pid, at = icount, guard = 0; p !== undefined && guard < 64; guard++) {
      const l = this.lives.get(p);
      if (!l) return p === 1 ? '/sbin/init' : undefined;
      const exec = [...l.execs].reverse().find((x) => x.icount <= at);
      if (exec) return exec.path;
      if (l.forkedAt === undefined) return p === 1 ? '/sbin/init' : undefined;
      at = l.forkedAt;
      p = l.parent;
    }
    return undefined;
  }

  /**
   * Whose writes reach `pid`'s memory at `icount`, back in time: the process itself since its
   * last exec (or its fork), before that its parent up to the fork (the child's memory is a copy
   * of the parent's), and so on. Each entry is a process and the icount range it counts over.
   */
  memoryLineage(pid: number, icount: number): { pid: number; from: number; to: number }[] {
    const out: { pid: number; from: number; to: number }[] = [];
    let p: number | undefined = pid;
    let to = icount;
    for (let guard = 0; p !== undefined && guard < 64; guard++) {
      const l = this.lives.get(p);
      const exec = l ? [...l.execs].reverse().find((x) => x.icount <= to) : undefined;
      if (exec) {
        // An exec replaces the memory: nothing before it counts (the loader's writes are the exec's).
        out.push({ pid: p, from: exec.icount - 1, to });
        break;
      }
      const from = l?.forkedAt ?? 0;
      out.push({ pid: p, from, to });
      if (l?.forkedAt === undefined) break;
      to = l.forkedAt;
      p = l.parent;
    }
    return out;
  }
}

/** `--inject SPEC` on the command line: every fault kind parses to the machine's Fault, and mistakes are usage errors. */
import { describe, expect, it } from 'vitest';
import { faultsOf, FaultSpecError, parseFault } from '../src/timeline/fault-spec.js';
import { faultProblem } from '../src/core/machine.js';

describe('--inject SPEC', () => {
  it('parses every kind of fault into one the machine accepts', () => {
    const cases: [string, object][] = [
      ['crash:vfs:200', { kind: 'crash', server: 2, mType: -1, nth: 200 }],
      ['crash:pm:205:3', { kind: 'crash', server: 3, mType: 205, nth: 3 }],
      ['hang:mm:any:1', { kind: 'hang', server: 4, mType: -1, nth: 1 }],
      ['corrupt:0:2:5', { kind: 'corrupt', src: 0, dst: 2, nth: 5 }],
      ['drop:3:0:1', { kind: 'drop', src: 3, dst: 0, nth: 1 }],
      ['delay:0:2:4:1000000', { kind: 'delay', src: 0, dst: 2, nth: 4, ns: 1_000_000 }],
      ['replay:0:3:1', { kind: 'replay', src: 0, dst: 3, nth: 1 }],
      ['alter:2:0:7', { kind: 'alter', src: 2, dst: 0, nth: 7 }],
    ];
    for (const [spec, fault] of cases) {
      expect(parseFault(spec), spec).toEqual(fault);
      expect(faultProblem(parseFault(spec)), spec).toBeUndefined();
    }
    expect(faultsOf(['crash:vfs:1', 'replay:0:2:1'])).toHaveLength(2);
    expect(faultsOf(undefined)).toEqual([]);
  });

  it('says what is wrong with a bad spec', () => {
    for (const bad of ['', 'explode:vfs:1', 'crash:vfs', 'crash:nosuch:1', 'corrupt:0:2', 'delay:0:2:1', 'replay:a:b:c', 'alter:0:2:1:9']) {
      expect(() => parseFault(bad), bad).toThrow(FaultSpecError);
    }
    expect(faultProblem({ kind: 'replay', src: 0, dst: 2, nth: 0 })).toMatch(/nth/);
  });

  it('takes message types and processes by name', () => {
    expect(parseFault('crash:vfs:VFS_CLOSE:3')).toEqual({ kind: 'crash', server: 2, mType: 101, nth: 3 });
    expect(parseFault('hang:PM:proc_fork:1')).toEqual({ kind: 'hang', server: 3, mType: 200, nth: 1 });
    expect(parseFault('crash:proc:any:2')).toEqual({ kind: 'crash', server: 3, mType: -1, nth: 2 });
    expect(parseFault('drop:kernel:vfs:4')).toEqual({ kind: 'drop', src: 0, dst: 2, nth: 4 });
    expect(parseFault('delay:mm:kernel:1:500')).toEqual({ kind: 'delay', src: 4, dst: 0, nth: 1, ns: 500 });
    expect(() => parseFault('crash:vfs:CLOSE:1')).toThrow(/no message type CLOSE \(did you mean .*VFS_CLOSE/);
    expect(() => parseFault('crash:constructor:1')).toThrow(FaultSpecError);
  });
});


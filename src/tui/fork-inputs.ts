/**
 * What `F` takes before a fork goes live: `chaos:7 crash:vfs:3 drop:0:2:1`, a chaos seed and
 * faults in the syntax of `xrr fork --chaos / --inject` (parsed by the same code), recorded on
 * the new branch as its first inputs.
 */
import type { Fault } from '../core/events.js';
import { chaosSeed, parseFault } from '../timeline/fault-spec.js';

export interface ForkInputs {
  readonly chaos?: number;
  readonly faults: readonly Fault[];
}

/** The inputs a spec names, or what is wrong with it. */
export function parseForkInputs(text: string): ForkInputs | string {
  let chaos: number | undefined;
  const faults: Fault[] = [];
  try {
    for (const w of text.split(/\s+/).filter(Boolean)) {
      const c = /^chaos:(\d+)$/.exec(w);
      if (c) chaos = chaosSeed(Number(c[1]));
      else faults.push(parseFault(w));
    }
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^--(inject|chaos):? /, '');
  }
  return chaos === undefined ? { faults } : { chaos, faults };
}

/** `chaos 9, crash`: what a fork's status line says it was given. */
export function describeForkInputs(inputs: ForkInputs): string {
  return [...(inputs.chaos !== undefined ? [`chaos ${inputs.chaos}`] : []), ...inputs.faults.map((f) => f.kind)].join(', ');
}

/**
 * A small argument parser for the xrr commands: options declared with their kind, positional
 * arguments collected in order, and a clear UsageError for anything unexpected (the CLI
 * prints it with the command's usage and exits 2).
 */
import { FAULT_SYNTAX } from '../timeline/fault-spec.js';

export class UsageError extends Error {}

/** `list`: a string option that may be given several times; its value is string[]. */
export type OptionKind = 'string' | 'int' | 'flag' | 'list';

export interface OptionSpec {
  readonly kind: OptionKind;
  readonly help: string;
  readonly valueName?: string;
}

export interface Parsed {
  readonly options: Map<string, string | number | boolean | string[]>;
  readonly positional: string[];
}

/**
 * Parse `argv` against `spec`. By default the first positional ends option parsing (so
 * `xrr run /bin/ls -l` passes `-l` to the guest), as does `--`; with `interspersed`, options
 * may also follow positionals (`xrr events FILE --pid 8`).
 */
export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, OptionSpec>>, interspersed = false): Parsed {
  const options = new Map<string, string | number | boolean | string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (positional.length > 0 && !interspersed) {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const o = spec[name];
    if (!o) throw new UsageError(`unknown option --${name}`);
    if (o.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value (${o.valueName ?? o.kind})`);
    if (o.kind === 'list') {
      options.set(name, [...((options.get(name) as string[] | undefined) ?? []), value]);
    } else if (o.kind === 'int') {
      const n = parseCount(value);
      if (n === undefined) throw new UsageError(`--${name}: ${JSON.stringify(value)} is not a non-negative integer`);
      options.set(name, n);
    } else {
      options.set(name, value);
    }
  }
  return { options, positional };
}

/** A non-negative integer, with optional k/M/G suffix (decimal): "500M" = 500000000. */
export function parseCount(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(s.replace(/_/g, ''));
  if (!m) return undefined;
  const scale = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 }[m[2]!]!;
  const n = Number(m[1]) * scale;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function usageOf(command: string, synopsis: string, spec: Readonly<Record<string, OptionSpec>>): string {
  const lines = [`usage: xrr ${command} ${synopsis}`, ''];
  for (const [name, o] of Object.entries(spec)) {
    const left = o.kind === 'flag' ? `--${name}` : `--${name} ${o.valueName ?? o.kind.toUpperCase()}`;
    lines.push(`  ${left.padEnd(28)} ${o.help}`);
  }
  if ('inject' in spec) lines.push('', 'faults (--inject SPEC):', ...FAULT_SYNTAX.map((l) => `  ${l}`));
  return lines.join('\n');
}

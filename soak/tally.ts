/**
 * The count of one campaign: cases tried, survived and lost, and for each lost case what went
 * wrong, how to make it again, and its files, moved out of the scratch directory into the run's
 * lost/ directory so they outlive the clean-up.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface LostCase {
  readonly campaign: string;
  readonly name: string;
  /** What went wrong. */
  readonly why: string;
  /** The case's parameters and commands: enough to make it again. */
  readonly repro: string;
  /** Where its files were kept. */
  readonly kept: string;
}

export class Tally {
  tried = 0;
  survived = 0;
  readonly lost: LostCase[] = [];
  seconds = 0;
  /** What the counts alone do not say (printed under the table), e.g. how many kills landed. */
  note = '';

  constructor(
    readonly campaign: string,
    private readonly lostDir: string,
  ) {}

  /** A case that held: its scratch directory is removed. */
  survive(caseDir: string): void {
    this.tried++;
    this.survived++;
    rmSync(caseDir, { recursive: true, force: true });
  }

  /** A case that lost something: its scratch directory is kept under lost/. */
  lose(name: string, caseDir: string, why: string, repro: string): void {
    this.tried++;
    const kept = join(this.lostDir, this.campaign, name);
    mkdirSync(join(this.lostDir, this.campaign), { recursive: true });
    rmSync(kept, { recursive: true, force: true });
    renameSync(caseDir, kept);
    this.lost.push({ campaign: this.campaign, name, why, repro, kept });
  }
}

/**
 * What the user chose to look at: the pane, the process, the memory address, the event filter,
 * the help page, an open prompt and the status message. None of it needs a machine, so it all
 * changes while a seek runs.
 */
import { useCallback, useRef, useState } from 'react';
import type { BranchId } from '../../journal/ids.js';
import type { PromptKind } from '../keymap.js';
import type { CpuView } from '../machine-view.js';
import type { PaneName } from '../panes/layout.js';
import type { TextFilter } from '../session.js';

export interface Prompt {
  readonly kind: PromptKind;
  readonly text: string;
}

export interface ViewState {
  readonly pane: PaneName;
  setPane(next: PaneName | ((p: PaneName) => PaneName)): void;
  /** The process chosen with `p` (else the selected event's is shown). */
  readonly pidChoice: number | null;
  setPidChoice(pid: number | null): void;
  /** The memory pane's address chosen with `a` (else the stack pointer's). */
  readonly memAddr: number | null;
  setMemAddr(addr: number | null): void;
  /** What the memory pane found last: the write `w`/`W` went to (cleared when the address changes). */
  readonly writeNote: string | null;
  setWriteNote(note: string | null): void;
  /** The CPU pane's lower half: disassembly or backtrace (`k`). */
  readonly cpuView: CpuView;
  setCpuView(next: CpuView | ((v: CpuView) => CpuView)): void;
  /** The branch `d` picked for a diff, waiting for the other. */
  readonly diffPick: BranchId | null;
  setDiffPick(b: BranchId | null): void;
  readonly filter: TextFilter;
  setFilter(f: TextFilter): void;
  /** The help overlay's page, or null when it is closed. */
  readonly help: number | null;
  setHelp(page: number | null): void;
  readonly prompt: Prompt | null;
  /** The prompt as the last key left it (keys can arrive faster than renders). */
  promptNow(): Prompt | null;
  setPrompt(p: Prompt | null): void;
  readonly message: string;
  say(message: string): void;
}

export function useViewState(): ViewState {
  const [pane, setPane] = useState<PaneName>('detail');
  const [pidChoice, setPidChoice] = useState<number | null>(null);
  const [memAddr, setMemAddrState] = useState<number | null>(null);
  const [writeNote, setWriteNote] = useState<string | null>(null);
  const setMemAddr = useCallback((a: number | null) => {
    setMemAddrState(a);
    setWriteNote(null);
  }, []);
  const [cpuView, setCpuView] = useState<CpuView>('disasm');
  const [diffPick, setDiffPick] = useState<BranchId | null>(null);
  const [filter, setFilter] = useState<TextFilter>({});
  const [help, setHelp] = useState<number | null>(null);
  const [prompt, setPromptState] = useState<Prompt | null>(null);
  const promptRef = useRef<Prompt | null>(null);
  const setPrompt = useCallback((p: Prompt | null) => {
    promptRef.current = p;
    setPromptState(p);
  }, []);
  const [message, say] = useState('? for help');
  return { pane, setPane, pidChoice, setPidChoice, memAddr, setMemAddr, writeNote, setWriteNote, cpuView, setCpuView, diffPick, setDiffPick, filter, setFilter, help, setHelp, prompt, promptNow: () => promptRef.current, setPrompt, message, say };
}

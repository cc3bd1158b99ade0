/** The last line: an open prompt, else the move under way with its progress, else the last message. */
import { Text } from 'ink';
import type { ReactElement } from 'react';
import type { Prompt } from '../hooks/use-view-state.js';
import type { PromptKind } from '../keymap.js';
import type { Move } from '../latest-move.js';
import { fit } from '../text.js';

const PROMPT_LABEL: Record<PromptKind, string> = {
  icount: 'go to icount',
  seq: 'go to event seq',
  filter: 'filter (kind:K pid:P chan:A->B text; empty clears)',
  addr: 'memory address (hex)',
  fork: 'fork here with (chaos:N, faults like crash:vfs:3 drop:0:2:1)',
};

export interface StatusLineProps {
  readonly prompt: Prompt | null;
  readonly busy: Move | null;
  readonly progress: string;
  readonly message: string;
  readonly width: number;
  readonly color: boolean;
}

export function StatusLine(p: StatusLineProps): ReactElement {
  const text = p.prompt ? `${PROMPT_LABEL[p.prompt.kind]}: ${p.prompt.text}_  (Enter, Esc cancels)` : p.busy ? p.busy.label + p.progress : p.message;
  return (
    <Text inverse={p.color} wrap="truncate">
      {fit(text, p.width)}
    </Text>
  );
}

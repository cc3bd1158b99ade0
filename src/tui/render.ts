/**
 * Draws the App on the terminal with Ink, on the alternate screen (the shell's screen comes
 * back on quit). Loaded by src/cli/commands/tui.ts only after it has made sure Ink will draw
 * every frame (see there), so nothing else may import this module or Ink before that.
 */
import { createElement } from 'react';
import { render } from 'ink';
import { App, type AppProps } from './app.js';

export async function renderTui(props: AppProps): Promise<void> {
  process.stdout.write('\x1b[?1049h\x1b[H');
  try {
    const app = render(createElement(App, props), { exitOnCtrlC: false, patchConsole: true });
    await app.waitUntilExit();
  } finally {
    process.stdout.write('\x1b[?1049l');
  }
}

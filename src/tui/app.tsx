/**
 * The time-travel UI over one recording, laid out: header, timeline, the event list around the
 * cursor with the event detail, the state panes (processes, CPU, memory, servers, console,
 * branches) and the status line; live, the guest's console across the screen with the newest
 * events under it. The behaviour lives in hooks (hooks/: the cursor and its
 * seeks, live runs, the keys dispatched through the one keymap table), the drawing in panes
 * (panes/); this component only composes them.
 */
import { Box, useApp } from 'ink';
import { useEffect, useRef, type ReactElement } from 'react';
import type { Machine } from '../core/machine.js';
import type { BranchId } from '../journal/ids.js';
import type { DiffSide } from '../diff/side.js';
import { pidOfTrack } from './diff-points.js';
import type { DetailSymbols } from './event-detail.js';
import { useCommands } from './hooks/use-commands.js';
import { useDiffView } from './hooks/use-diff-view.js';
import { useInspected } from './hooks/use-inspected.js';
import { useKeys } from './hooks/use-keys.js';
import { useLiveRun } from './hooks/use-live-run.js';
import { useSeek } from './hooks/use-seek.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { useViewState } from './hooks/use-view-state.js';
import { openerFor } from './ipc-open.js';
import { modeOf } from './keymap.js';
import { BranchesPane } from './panes/branches.js';
import { ConsolePane } from './panes/console.js';
import { DetailPane } from './panes/detail.js';
import { EventsPane } from './panes/events.js';
import { Header, modeLabel } from './panes/header.js';
import { HelpOverlay } from './panes/help-overlay.js';
import { CpuPane } from './panes/cpu.js';
import { DiffScreen } from './panes/diff-screen.js';
import { layoutFor, shownPane, type PaneName } from './panes/layout.js';
import { MemoryPane } from './panes/memory.js';
import { ProcsPane } from './panes/procs.js';
import { ServersPane } from './panes/servers.js';
import { StatusLine } from './panes/status-line.js';
import { Timeline } from './panes/timeline.js';
import { serverStatuses } from './server-status.js';
import type { TuiSession } from './session.js';

export interface AppProps {
  readonly session: TuiSession;
  readonly branch: BranchId;
  /** Terminal size; defaults to the output stream's (tests pass it). */
  readonly width?: number;
  readonly height?: number;
  /** Draw without color (NO_COLOR); every marker is a character anyway. */
  readonly noColor?: boolean;
  /** Where the cursor starts (default: the end of the recording). */
  readonly startIcount?: number;
  /** The event selected at the start (its icount is where the cursor starts): `xrr explain --open`. */
  readonly startEvent?: number;
  /** What the status line says once the cursor is at the start. */
  readonly startMessage?: string;
  /** Open on the diff view of these two timelines (`xrr tui --diff A B`; `branch` is A's). */
  readonly diff?: { readonly a: DiffSide; readonly b: DiffSide };
  /** A machine recording onto `branch` (xrr tui --new): the UI starts live on it. */
  readonly live?: Machine;
}

export function App(props: AppProps): ReactElement {
  const { session } = props;
  const { exit } = useApp();
  const size = useTerminalSize(props.width, props.height);
  const layout = layoutFor(size.columns, size.rows);
  const view = useViewState();
  const startEvent = props.startEvent === undefined ? null : session.eventAt(props.branch, props.startEvent);
  const seek = useSeek(
    session,
    { branch: props.branch, icount: startEvent?.icount ?? props.startIcount, liveIcount: props.live?.icount, sel: startEvent?.seq, note: props.startMessage },
    view.say,
  );
  const live = useLiveRun(session, seek, view.say, props.live ? { machine: props.live, branch: props.branch } : undefined);
  const inspected = useInspected(session, seek, live, view);
  const diff = useDiffView(session, seek, view.say);
  const run = useCommands({ session, seek, live, view, layout, inspected, diff, quit: exit });
  useKeys(modeOf({ live: live.run !== null, prompt: view.prompt !== null, help: view.help !== null, seeking: seek.busy !== null, diff: diff.data !== null }), run);
  // `xrr tui --diff`: the comparison opens once the first seek has settled (it may settle within the
  // same turn, from a snapshot at the end, and would then drop a move made meanwhile); once.
  const diffAtStart = useRef(props.diff);
  const openDiff = useRef(diff.open);
  openDiff.current = diff.open;
  useEffect(() => {
    const d = diffAtStart.current;
    if (!d || seek.busy !== null) return;
    diffAtStart.current = undefined;
    openDiff.current(d.a, d.b);
  }, [seek.busy]);

  const { cursor } = seek;
  const color = !props.noColor;
  const { width, large, mainRows, leftWidth, rightWidth, eventRows } = layout;
  const open = openerFor(inspected.machine, session.journaledKeys());
  const length = session.length(cursor.branch);
  const selected = session.eventAt(cursor.branch, live.run ? length - 1 : seek.selSeq);
  const pane = shownPane(layout, view.pane);
  // A compact pane has no room for every tab name: it shows its own and where it is in the cycle.
  const tabs = large ? layout.cycle.map((p) => (p === pane ? `[${p}]` : ` ${p} `)).join('') : `[${pane}] ${layout.cycle.indexOf(pane) + 1}/${layout.cycle.length} Tab`;
  const pending = seek.busy ? seek.busy.label : 'seeking...';
  const machine = inspected.machine;
  const detailSymbols: DetailSymbols | undefined = machine
    ? {
        at: (pid, icount, pc) => session.symbols.describe(cursor.branch, machine, pid, icount, pc),
        stackAt: (pid, icount) =>
          icount === machine.icount || icount + 1 === machine.icount ? session.symbols.backtrace(cursor.branch, machine, pid).map((f) => `#${f.level} ${f.where}`) : undefined,
      }
    : undefined;
  const cpuSymbols =
    machine && inspected.pid !== null
      ? {
          table: session.symbols.tableFor(cursor.branch, machine, inspected.pid, machine.icount),
          frames: view.cpuView === 'backtrace' ? session.symbols.backtrace(cursor.branch, machine, inspected.pid) : undefined,
        }
      : undefined;

  const statePane = (name: PaneName, title: string, rows: number): ReactElement => {
    const slot = { title, width: rightWidth, rows, color };
    const m = { ...slot, machine: inspected.machine, pid: inspected.pid, pending };
    switch (name) {
      case 'detail':
        return <DetailPane {...slot} event={selected} open={open} symbols={detailSymbols} />;
      case 'procs':
        return <ProcsPane {...m} />;
      case 'cpu':
        return <CpuPane {...m} symbols={cpuSymbols} view={view.cpuView} />;
      case 'memory':
        return <MemoryPane {...m} addr={view.memAddr} note={view.writeNote} />;
      case 'servers':
        return <ServersPane {...m} status={serverStatuses(session.store, cursor.branch, live.run ? length : cursor.seq)} />;
      case 'console':
        return <ConsolePane {...slot} text={session.consoleBefore(cursor.branch, live.run ? length : cursor.seq)} />;
      case 'branches':
        return <BranchesPane {...slot} session={session} branch={cursor.branch} />;
      default: {
        const _exhaustive: never = name;
        return _exhaustive;
      }
    }
  };
  const procsRows = Math.floor(mainRows * 0.4);

  const statusLine = <StatusLine prompt={view.prompt} busy={seek.busy} progress={seek.progress} message={view.message} width={width} color={color} />;
  if (diff.data && view.help === null) {
    const point = diff.data.points[diff.data.index];
    const pid = view.pidChoice ?? (point ? pidOfTrack(point.track) : null) ?? inspected.pid;
    return (
      <Box flexDirection="column" width={width} height={layout.height}>
        <DiffScreen data={diff.data} sessionA={session} pid={pid} width={width} rows={layout.height - 1} color={color} pending={pending} />
        {statusLine}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={width} height={layout.height}>
      <Header session={session} cursor={cursor} mode={modeLabel(live.run, seek.busy !== null)} live={live.run !== null} icount={live.run ? live.run.machine.icount : cursor.icount} machine={inspected.machine} pid={inspected.pid} filter={view.filter} width={width} color={color} />
      <Timeline session={session} branch={cursor.branch} icount={live.run ? live.run.machine.icount : cursor.icount} width={width} color={color} />
      {view.help !== null ? (
        <HelpOverlay page={view.help} perPage={layout.helpPerPage} rows={mainRows} />
      ) : live.run ? (
        <Box flexDirection="column" height={mainRows}>
          <ConsolePane title={`console, live on branch ${live.run.branch}: keys go to the guest (Ctrl-] pauses)`} width={width} rows={layout.liveConsoleRows} color={color} text={session.consoleBefore(cursor.branch, length)} />
          <EventsPane session={session} cursor={cursor} selSeq={seek.selSeq} live filter={view.filter} open={open} rows={mainRows - layout.liveConsoleRows - 1} width={width} color={color} />
        </Box>
      ) : (
        <Box flexDirection="row" height={mainRows}>
          <Box flexDirection="column" width={leftWidth}>
            <EventsPane session={session} cursor={cursor} selSeq={seek.selSeq} live={live.run !== null} filter={view.filter} open={open} rows={eventRows} width={leftWidth} color={color} />
            {large ? <DetailPane title="detail" width={leftWidth} rows={mainRows - eventRows - 1} color={color} event={selected} open={open} symbols={detailSymbols} /> : null}
          </Box>
          <Box width={1} />
          <Box flexDirection="column" width={rightWidth}>
            {large ? (
              <>
                {statePane('procs', 'procs', procsRows)}
                {statePane(pane, tabs, mainRows - procsRows)}
              </>
            ) : (
              statePane(pane, tabs, mainRows)
            )}
          </Box>
        </Box>
      )}
      {statusLine}
    </Box>
  );
}

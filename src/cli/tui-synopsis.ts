/** The `xrr tui` usage line, apart from tui-command.ts so the dispatcher lists it without loading the UI. */
export const TUI_SYNOPSIS = 'FILE [--branch B] [--at T]  |  --new [--out FILE] [--seed S] [--epoch T] [--inject SPEC] [--chaos N] [PROGRAM [ARGS...]]';
export const TUI_HELP = 'the time-travel UI over a recording (--new: boot, record and open it live)';

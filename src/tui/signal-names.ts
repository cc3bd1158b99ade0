/**
 * Names for the numbers the event views show: the one convention now lives in
 * src/export/number-names.ts, shared with `xrr events` and `xrr state`; re-exported here so the
 * panes keep their imports.
 */
export { signalName, trapCauseName, waitStatusText } from '../export/number-names.js';

/**
 * Timer deadline ids: below WATCHDOG_ID a process's nanosleep (id = pid); then, one range each, a
 * server's hang watchdog (+ server pid), its restart after the backoff (+ server pid), and a
 * message a 'delay' fault holds back (numbered from DELAY_ID up).
 */
export const WATCHDOG_ID = 1_000_000;
export const RESTART_ID = 2_000_000;
export const DELAY_ID = 3_000_000;

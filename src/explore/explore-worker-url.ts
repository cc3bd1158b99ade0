/** The entry of the explore worker threads (a .mjs that registers the TypeScript loader first). */
export const EXPLORE_WORKER = new URL('./explore-worker-entry.mjs', import.meta.url);

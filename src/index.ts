/**
 * h2doctor: the root export. The libraries live at subpaths: `h2doctor/codec` (frames + HPACK),
 * and, as they land, `h2doctor/server`, `h2doctor/client`, `h2doctor/chaos`.
 */
export * from './errors.js';
export { version } from './version.js';

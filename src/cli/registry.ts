import type { CommandEntry } from './command.js';

/**
 * The subcommands. Each is loaded only when run, so `h2doctor --help` stays instant and a
 * command's dependencies are never paid for by another.
 */
export const commands: Record<string, CommandEntry> = {
};

/** Exit codes of the CLI, in the ClamAV tradition fickling follows: clean, findings, could not scan. */
export const EXIT = Object.freeze({ clean: 0, findings: 1, error: 2 });

/**
 * Whether this run is CI. Any non-empty `CI` counts (CI=true, CI=1, CI=yes): in CI nothing the machine lacks may be
 * skipped, so every suite that would skip outside CI fails there instead. The one place the tests read it.
 */
export const isCi = (process.env.CI ?? '') !== '';

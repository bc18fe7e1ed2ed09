/** byot's version, shown by `byot --version` and stored with each run. */
export const VERSION = "0.1.0";
